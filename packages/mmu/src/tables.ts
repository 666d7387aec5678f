// Page-table storage: every frame used as a table gets a slot of 512 entries in shared typed arrays
// (flags word, output frame, store time). No object per entry: 12 bytes per entry, 0 per unused frame
// beyond one Int32 slot index — plus, once a question needs it, the leaf index (leaf-index.ts: 8 bytes per
// entry, 4 per frame).
import { ArrayLease } from './array-pool.js';
import { ENTRIES_PER_TABLE, Pte, type Level } from './constants.js';
import { LeafIndex } from './leaf-index.js';
import { grownOn } from './grown.js';

const LEAF = Pte.PRESENT | Pte.TABLE;

export class PageTables {
  /** Slot of each frame, -1 when the frame is not a page table. */
  readonly slotOf: Int32Array;
  flags: Uint32Array;
  out: Uint32Array;
  /** Clock value when the entry was stored (for "captured before the frame was freed"). */
  since: Uint32Array;
  slotPfn: Int32Array;
  slotLevel: Uint8Array;
  /** Number of table pointers currently referencing the slot's frame. */
  slotLinks: Int32Array;
  /** Number of present entries in the slot (so emptiness checks are O(1)). */
  slotUsed: Int32Array;
  /** First VA the table translates (set when linked). */
  slotBase: Float64Array;
  /** Address space the table belongs to (-1 unknown). */
  slotSpace: Int32Array;
  /** Number of live aliases: paths from a space root that reach the table (0 = unreachable). Only a
   *  reachable table's entries count in the reverse view. `slotSpace`/`slotBase` are the first alias. */
  slotLive: Uint16Array;
  /** Store clock of the entry (or root load) that makes the first alias. */
  slotAliasSince: Uint32Array;
  /** Aliases beyond the first of a table linked at several places, as [space, base, since, …]. */
  readonly extraAliases = new Map<number, number[]>();
  /** Table frames freed while still linked: a parent entry still points at a frame the OS gave back. */
  readonly freedLinked = new Set<number>();
  /** Store clock when the table went from no link to one (for "linked before its frame was freed"). */
  slotLinkedAt: Uint32Array;
  private capacity: number;
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  /** Entries by the frame they map, built on first use (leaf-index.ts); null until then. */
  private leaves: LeafIndex | null = null;
  /**
   * Moves on whenever a table pointer is overwritten: a path of tables found from a root still leads to the
   * same tables while it has not moved (a new pointer only fills an entry no found path went through, and a
   * table on a path is released only once the pointer to it is overwritten — a root, once its space is retired).
   */
  paths = 0;

  /** @param lease where the arrays come from, the first ones and the grown ones (the machine's, recycled across
   *  machines). */
  constructor(
    private readonly frameCount: number,
    private readonly lease: ArrayLease = new ArrayLease(),
  ) {
    this.slotOf = lease.take(Int32Array, frameCount, -1);
    const cap = (this.capacity = 16);
    this.flags = lease.take(Uint32Array, cap * ENTRIES_PER_TABLE);
    this.out = lease.take(Uint32Array, cap * ENTRIES_PER_TABLE);
    this.since = lease.take(Uint32Array, cap * ENTRIES_PER_TABLE);
    // Stryker disable next-line UnaryOperator: equivalent — unused-slot sentinel; readers check slotLive or read adopted slots only
    this.slotPfn = lease.take(Int32Array, cap, -1);
    this.slotLevel = lease.take(Uint8Array, cap);
    this.slotLinks = lease.take(Int32Array, cap);
    this.slotUsed = lease.take(Int32Array, cap);
    this.slotBase = lease.take(Float64Array, cap);
    // Stryker disable next-line UnaryOperator: equivalent — unused-slot sentinel; readers check slotLive or read adopted slots only
    this.slotSpace = lease.take(Int32Array, cap, -1);
    this.slotLive = lease.take(Uint16Array, cap);
    this.slotLinkedAt = lease.take(Uint32Array, cap);
    this.slotAliasSince = lease.take(Uint32Array, cap);
  }

  /** Number of frames currently holding a table. */
  get tableCount(): number {
    return this.nextSlot - this.freeSlots.length;
  }

  isTable(pfn: number): boolean {
    return this.slotOf[pfn] >= 0;
  }

  /** Make `pfn` a zeroed table of `level` (4 = root). Re-using a table frame at another level is refused. */
  adopt(pfn: number, level: Level): number {
    const have = this.slotOf[pfn];
    if (have >= 0) {
      if (this.slotLevel[have] !== level) {
        throw new Error(`frame ${pfn} is already a level-${this.slotLevel[have]} table, not level ${level}`);
      }
      return have;
    }
    const recycled = this.freeSlots.length > 0;
    const slot = recycled ? this.freeSlots.pop()! : this.nextSlot++;
    if (slot >= this.capacity) this.grow();
    // A recycled slot may still hold the entries of the table it was (release keeps them). A slot never
    // used before is still as its array came, zero (leased arrays, the first and the grown ones, are refilled
    // when taken, and a grown array's new part is past every slot used so far): a boot
    // adopting thousands of tables does not clear them twice.
    if (recycled) {
      const base = slot * ENTRIES_PER_TABLE;
      if (this.leaves !== null) this.unindexSlot(slot);
      this.flags.fill(0, base, base + ENTRIES_PER_TABLE);
      // Stryker disable next-line ArithmeticOperator: equivalent — out/since are read only where flags (zeroed above) say present
      this.out.fill(0, base, base + ENTRIES_PER_TABLE);
      // Stryker disable next-line ArithmeticOperator: equivalent — out/since are read only where flags (zeroed above) say present
      this.since.fill(0, base, base + ENTRIES_PER_TABLE);
    }
    this.slotPfn[slot] = pfn;
    this.slotLevel[slot] = level;
    this.slotLinks[slot] = 0;
    this.slotUsed[slot] = 0;
    this.slotBase[slot] = 0;
    // Stryker disable next-line UnaryOperator: equivalent — unused-slot sentinel; readers check slotLive or read adopted slots only
    this.slotSpace[slot] = -1;
    this.slotLive[slot] = 0;
    this.slotLinkedAt[slot] = 0;
    this.extraAliases.delete(slot);
    this.slotOf[pfn] = slot;
    return slot;
  }

  /**
   * Write entry `e`. Every store into a table goes through here (or through `adopt`'s zeroing), so that the
   * leaf index, once built, stays exact.
   */
  write(e: number, flags: number, out: number): void {
    const idx = this.leaves;
    if (idx !== null) {
      const level = this.slotLevel[(e / ENTRIES_PER_TABLE) | 0];
      if ((this.flags[e] & LEAF) === Pte.PRESENT) idx.remove(e, level, this.out[e]);
      if ((flags & LEAF) === Pte.PRESENT) idx.add(e, level, out);
    }
    if ((this.flags[e] & Pte.TABLE) !== 0) this.paths++;
    this.flags[e] = flags;
    this.out[e] = out;
  }

  /**
   * Entries e … e + n − 1, all empty, made leaves of `flags` (present) to out, out + step, … stored at
   * clock since, since + 1, …: what `write` and the store times of n stores in a row leave.
   */
  fillEmpty(e: number, n: number, flags: number, out: number, step: number, since: number): void {
    const idx = this.leaves;
    if (idx !== null) {
      const level = this.slotLevel[(e / ENTRIES_PER_TABLE) | 0];
      for (let m = 0; m < n; m++) idx.add(e + m, level, out + m * step);
    }
    const f = this.flags;
    const o = this.out;
    const t = this.since;
    for (let m = 0; m < n; m++) {
      f[e + m] = flags;
      o[e + m] = out + m * step;
      t[e + m] = since + m;
    }
    this.slotUsed[(e / ENTRIES_PER_TABLE) | 0] += n;
  }

  /**
   * Entries that may hold a present leaf reaching `pfn`, ascending (a superset: the caller checks each
   * entry's flags, range and table). Builds the index on first use.
   */
  leafCandidates(pfn: number): number[] {
    if (this.leaves === null) this.leaves = this.buildLeafIndex();
    return this.leaves.candidates(pfn);
  }

  /**
   * The leaf index of every present leaf now stored. A method of its own: inside leafCandidates, V8 compiled
   * this loop on-stack-replaced at a machine's first query, and that code — entered again at every later
   * machine's first query — was thrown away whenever the query path differed from the one it had seen (14
   * deoptimisations over one pass of the catalogue, --trace-deopt).
   */
  private buildLeafIndex(): LeafIndex {
    const idx = new LeafIndex(this.frameCount, this.capacity * ENTRIES_PER_TABLE, this.lease);
    for (let slot = 0; slot < this.nextSlot; slot++) {
      const level = this.slotLevel[slot];
      const b = slot * ENTRIES_PER_TABLE;
      for (let e = b; e < b + ENTRIES_PER_TABLE; e++)
        if ((this.flags[e] & LEAF) === Pte.PRESENT) idx.add(e, level, this.out[e]);
    }
    return idx;
  }

  private unindexSlot(slot: number): void {
    const level = this.slotLevel[slot];
    const b = slot * ENTRIES_PER_TABLE;
    for (let e = b; e < b + ENTRIES_PER_TABLE; e++)
      if ((this.flags[e] & LEAF) === Pte.PRESENT) this.leaves!.remove(e, level, this.out[e]);
  }

  /** Forget the table content of a frame (its frame was freed). */
  release(pfn: number): void {
    const slot = this.slotOf[pfn];
    if (slot < 0) return;
    this.slotOf[pfn] = -1;
    // Stryker disable next-line UnaryOperator: equivalent — unused-slot sentinel; readers check slotLive or read adopted slots only
    this.slotPfn[slot] = -1;
    this.extraAliases.delete(slot);
    this.freedLinked.delete(pfn);
    this.freeSlots.push(slot);
  }

  /** Bytes held by the table arrays (for the heap-per-page budget). */
  get bytes(): number {
    return (
      this.capacity * (ENTRIES_PER_TABLE * 12 + 4 + 1 + 4 + 4 + 8 + 4 + 2 + 4 + 4) +
      this.slotOf.byteLength +
      (this.leaves === null ? 0 : this.capacity * ENTRIES_PER_TABLE * 8 + this.frameCount * 4)
    );
  }

  /**
   * Room for `n` more tables in one step: an OS that knows how many tables it is about to adopt (a boot
   * building its linear map) spares the growth one half at a time, which copies every entry each time.
   */
  reserve(n: number): void {
    const want = this.tableCount + n;
    if (want > this.capacity) this.grow(want);
  }

  private grow(atLeast = 0): void {
    // Grow by half: doubling would leave up to half of the largest arrays unused (heap budget, DESIGN §8).
    const cap = Math.max(atLeast, Math.ceil(this.capacity * 1.5));
    const n = cap * ENTRIES_PER_TABLE;
    this.flags = grownOn(this.lease, this.flags, n);
    this.out = grownOn(this.lease, this.out, n);
    this.since = grownOn(this.lease, this.since, n);
    // Stryker disable next-line UnaryOperator: equivalent — unused-slot sentinel; readers check slotLive or read adopted slots only
    this.slotPfn = grownOn(this.lease, this.slotPfn, cap, -1);
    this.slotLevel = grownOn(this.lease, this.slotLevel, cap);
    this.slotLinks = grownOn(this.lease, this.slotLinks, cap);
    this.slotUsed = grownOn(this.lease, this.slotUsed, cap);
    this.slotBase = grownOn(this.lease, this.slotBase, cap);
    // Stryker disable next-line UnaryOperator: equivalent — unused-slot sentinel; readers check slotLive or read adopted slots only
    this.slotSpace = grownOn(this.lease, this.slotSpace, cap, -1);
    this.slotLive = grownOn(this.lease, this.slotLive, cap);
    this.slotLinkedAt = grownOn(this.lease, this.slotLinkedAt, cap);
    this.slotAliasSince = grownOn(this.lease, this.slotAliasSince, cap);
    this.capacity = cap;
    this.leaves?.grow(n);
  }
}

/** Index of `va` in a table of `level` (va is a 48-bit number; bit ops only on the low 32 bits of the vpn). */
export function tableIndex(va: number, level: Level): number {
  return vpnTableIndex(Math.floor(va / 4096), level);
}

/** Index of virtual page `vpn` in a table of `level`: the walks' form, with the vpn computed once per walk. */
export function vpnTableIndex(vpn: number, level: number): number {
  // Levels 1–3 read bits below 2^27 of the vpn: one shift (>>> takes the vpn modulo 2^32, which keeps them).
  // Level 4 needs bits 27–35, above 32 bits: a division. Two branches, not four: small enough for the JIT
  // to inline into the walks within its budget (V8 counts a callee's bytecode, not what it folds to).
  return level === 4 ? Math.floor(vpn / 134217728) & 511 : (vpn >>> (9 * level - 9)) & 511;
}
