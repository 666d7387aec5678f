// Page-table stores a walk may not have seen yet. Without FEAT_ETS2, herd7's aarch64-VMSA model orders a
// translation-table read after other events in only two ways (libdir aarch64hwreqs.cat, aarch64.cat):
// `DSB-ob; [IFB]; po` and `IFB-ob` — an ISB of the walking CPU after what it must see — and the TLBI
// rules (`TLBI-ob`, `TLBI-ca`), which need a TLBI; `ets-ob` and DSB-ob's ETS2 branches add the rest. So
// until then the walk of an access may read an entry as it was before a store: herd7's D15347 tests
// fault on an entry their own thread (D15347-load) or another one (D15347-M-load, MP-pte) has just made
// valid (kinds.txt: Allowed); D15347-load-DSB-ISB cannot.
//
// The MMU makes every store visible to every walk at once (DESIGN §4); this record is what lets a
// hardware-level access say that its walk read the older, invalid entry (`walk: before-store`), and the
// herd importer enumerate that choice. It never allows more than herd7 does: a cycle in herd's `ob`
// through such a read (it is `TLBuncacheable-ca` before every later store to the entry) needs an edge
// into the walk or its fault, and each of those is one of the events that close it here:
// - any ISB of the walking CPU after the store closes it for that CPU (IFB-ob; herd needs a DSB before the
//   ISB for the CPU's own store, but an ISB can also order the store through other CPUs);
// - a TLBI of another CPU after the store, once the walking CPU has an ordering point after that TLBI — a
//   barrier of any kind, an acquire or release access, or an address register of the access written
//   since (the edges into a fault: bob, DSB-ob, dob's addr; TLBI-ob's external edge from the fault then
//   closes the cycle). Its own TLBIs never close it: their TTD-read-ordered-before edges only leave the
//   walk (D15347-load-shoot: its own DSB + TLBI + DSB, no ISB);
// - when another CPU stored to the entry, the walking CPU's own walk or explicit read of the entry since
//   closes it for that CPU: a read that observed another CPU's store may order it before the walk
//   (herd's `obs`, with a dependency); its own store read back orders nothing (CoWR.T.inv+po-addr).
// Only an entry that was invalid is read this way: a stale valid entry would also fill the TLB.

interface EntryRecord {
  /** Time of the latest store that replaced an invalid value (the store a walk may miss). */
  since: number;
  /** CPUs that stored to the entry from that store on. */
  readonly writers: Set<number>;
}

export class UnsyncedStores {
  /** One clock for every event below: stores, ISBs, TLBIs, ordering points and walks are ordered by it. */
  private now = 0;
  /** Every TLBI: its time and CPU. */
  private readonly tlbis: { readonly t: number; readonly cpu: number }[] = [];
  /** Per CPU: the time of its last ordering point (barrier, acquire or release access). */
  private readonly ordered = new Map<number, number>();
  /** Per entry key (table frame × 512 + index): stores since an invalid value was replaced. */
  private readonly entries = new Map<number, EntryRecord>();
  /** Per CPU: the time of its last ISB. */
  private readonly synced = new Map<number, number>();
  /** Per CPU and entry key: the time that CPU last walked or read the entry. */
  private readonly seen = new Map<number, Map<number, number>>();

  /** `cpu` stores into entry `index` of table frame `pfn`, which held a valid entry or not before. */
  store(cpu: number, pfn: number, index: number, wasValid: boolean): void {
    const key = pfn * 512 + index;
    const t = this.now++;
    const r = this.entries.get(key);
    if (!wasValid) this.entries.set(key, { since: t, writers: new Set([cpu]) });
    else r?.writers.add(cpu);
  }

  /** Has any store replaced an invalid entry (else nothing here can matter)? */
  get active(): boolean {
    return this.entries.size > 0;
  }

  /** The time now: what a register written now is stamped with (an access's address dependency). */
  get clock(): number {
    return this.now;
  }

  /** An ISB of `cpu` (also an ordering point). */
  sync(cpu: number): void {
    this.synced.set(cpu, this.now);
    this.ordered.set(cpu, this.now++);
  }

  /** A DMB or DSB of `cpu`, or an acquire or release access of it. */
  order(cpu: number): void {
    this.ordered.set(cpu, this.now++);
  }

  /** A TLBI of `cpu`, of any scope. */
  tlbi(cpu: number): void {
    this.tlbis.push({ t: this.now++, cpu });
  }

  /** `cpu` walked (or explicitly read) these entries and saw their current values. */
  saw(cpu: number, entries: readonly (readonly [number, number])[]): void {
    let m = this.seen.get(cpu);
    if (m === undefined) this.seen.set(cpu, (m = new Map<number, number>()));
    const t = this.now++;
    for (const [pfn, index] of entries) m.set(pfn * 512 + index, t);
  }

  /**
   * May a walk by `cpu` through these entries (table frame, index; root first), each valid now, read one of
   * them as the invalid entry it was before a later store — a translation fault? `addressSince`: the
   * latest time a register of the access's address was written (-1: none).
   */
  mayMiss(cpu: number, entries: readonly (readonly [number, number])[], addressSince = -1): boolean {
    const synced = this.synced.get(cpu) ?? -1;
    const seen = this.seen.get(cpu);
    const ordered = Math.max(this.ordered.get(cpu) ?? -1, addressSince);
    return entries.some(([pfn, index]) => {
      const key = pfn * 512 + index;
      const r = this.entries.get(key);
      if (r === undefined || r.since < synced) return false;
      if (this.tlbis.some((i) => i.t > r.since && i.cpu !== cpu && ordered > i.t)) return false;
      const own = r.writers.size === 1 && r.writers.has(cpu);
      return own || (seen?.get(key) ?? -1) <= r.since;
    });
  }
}
