// Page-table stores a CPU has made that no ISB of that CPU has followed yet. Without FEAT_ETS2 a
// translation-table walk is ordered after a store of the same CPU only by a DSB after the store and
// then a context synchronisation (herd7 libdir aarch64hwreqs.cat: `DSB-ob; [IFB]; po` is the one
// local order that reaches an `Imp & TTD & R` read; the `ETS2` branches of DSB-ob and `ets-ob` add the
// rest). Until then the walk of a later access may still read the entry as it was before the store:
// herd7's aarch64-VMSA tests D15347-load and D15347-store (kinds.txt: Allowed) fault on an entry their
// own thread has just made valid, D15347-load-DSB-ISB (Forbidden) cannot.
//
// The MMU makes every store visible to every walk at once (DESIGN §4); this record is what lets a
// hardware-level access say that its walk read the older entry (`walk: before-store`), and the herd
// importer enumerate that choice. It never allows more than herd does: any ISB of the CPU ends its
// record (herd needs a DSB before it), and a store by another CPU to the entry drops it (the
// coherence order is then no longer this CPU's alone).
export class UnsyncedStores {
  /** Per CPU: entry key (table frame × 512 + index) → some value since the first store was invalid. */
  private readonly byCpu = new Map<number, Map<number, boolean>>();

  /** `cpu` stores into entry `index` of table frame `pfn`, which held a valid entry or not before. */
  store(cpu: number, pfn: number, index: number, wasValid: boolean): void {
    const key = pfn * 512 + index;
    for (const [c, w] of this.byCpu) if (c !== cpu) w.delete(key);
    let w = this.byCpu.get(cpu);
    if (w === undefined) this.byCpu.set(cpu, (w = new Map<number, boolean>()));
    w.set(key, (w.get(key) ?? false) || !wasValid);
  }

  /** An ISB of `cpu`. */
  sync(cpu: number): void {
    this.byCpu.delete(cpu);
  }

  /**
   * May a walk by `cpu` through these entries (table frame, index; root first) read one of them as the
   * invalid entry it was before a store of this CPU that no ISB has followed — a translation fault?
   */
  mayMiss(cpu: number, entries: readonly (readonly [number, number])[]): boolean {
    const w = this.byCpu.get(cpu);
    if (w === undefined) return false;
    return entries.some(([pfn, index]) => w.get(pfn * 512 + index) === true);
  }
}
