// The pmap's mirror of its present 4 KiB leaf entries: page → slot in typed arrays (frame, flags). The Map holds
// small integers only, so storing an entry allocates nothing (a packed pfn·flags double would be a heap number).

export class PteStore {
  private readonly slotOf = new Map<number, number>();
  private pfns = new Int32Array(64);
  private flagsOf = new Uint16Array(64);
  private readonly freeSlots: number[] = [];
  private next = 0;

  get size(): number {
    return this.slotOf.size;
  }

  has(page: number): boolean {
    return this.slotOf.has(page);
  }

  /** Frame of the entry at `page`, or -1. */
  pfn(page: number): number {
    const s = this.slotOf.get(page);
    return s === undefined ? -1 : this.pfns[s]!;
  }

  /** Flags of the entry at `page`, or 0 (not present). */
  flags(page: number): number {
    const s = this.slotOf.get(page);
    return s === undefined ? 0 : this.flagsOf[s]!;
  }

  /** Store; returns false when the same entry was already there. */
  set(page: number, pfn: number, flags: number): boolean {
    let s = this.slotOf.get(page);
    if (s !== undefined) {
      if (this.pfns[s] === pfn && this.flagsOf[s] === flags) return false;
    } else {
      s = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.grab();
      this.slotOf.set(page, s);
    }
    this.pfns[s] = pfn;
    this.flagsOf[s] = flags;
    return true;
  }

  delete(page: number): void {
    const s = this.slotOf.get(page);
    if (s === undefined) return;
    this.slotOf.delete(page);
    this.freeSlots.push(s);
  }

  pages(): IterableIterator<number> {
    return this.slotOf.keys();
  }

  private grab(): number {
    const s = this.next++;
    if (s >= this.pfns.length) {
      const p = new Int32Array(this.pfns.length * 2);
      p.set(this.pfns);
      this.pfns = p;
      const f = new Uint16Array(this.flagsOf.length * 2);
      f.set(this.flagsOf);
      this.flagsOf = f;
    }
    return s;
  }
}
