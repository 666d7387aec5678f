/**
 * The generic mm's view of page tables: one Float64Array of software entries (pte.ts) per table
 * page, keyed by the table's frame. Every store also goes to the arch (setEntry), which writes the
 * simulated hardware; the generic code reads its own copy, as the kernel reads the tables it wrote.
 *
 * Walks follow mm/memory.c: __pte_alloc/__pmd_alloc/__pud_alloc allocate missing levels on the
 * way down (the arch's pgtableAlloc, which arm64 pkey hardening routes to its own allocator).
 */
import type { LinuxArch } from './arch.js';
import { LEVEL_PGD, PTRS_PER_TABLE } from './constants.js';
import type { MmStruct } from './mm.js';
import { entryIsLeaf, mkTableEntry, pteFlags, ptePfn, PTE_PRESENT } from './pte.js';

export class PgtableStore {
  private readonly tables = new Map<number, Float64Array>();
  /** Freed table arrays, zeroed and reused (a munmap/mmap cycle frees and rebuilds tables). */
  private readonly spare: Float64Array[] = [];
  /**
   * A one-entry software walk cache: the PTE table last found for (mm, 2 MiB region). Any store at
   * level ≥ 2 and any table free drops it, so it can never name a stale table.
   */
  private cacheMm: MmStruct | null = null;
  private cacheRegion = -1;
  private cacheTable = -1;
  /** The table `get` answered last (dropped with the table). */
  private lastTable = -1;
  private lastEntries: Float64Array | null = null;

  constructor(private readonly arch: LinuxArch) {}

  /** The entries of `table`; throws on a frame the generic mm never allocated as a table. */
  get(table: number): Float64Array {
    // Stores come in runs into one table (a PTE table filled or cleared, the mermap window): the last
    // table asked for answers without the map.
    if (table === this.lastTable) return this.lastEntries!;
    const t = this.tables.get(table);
    if (!t) throw new Error(`pgtable: frame ${table} is not a page table`);
    this.lastTable = table;
    this.lastEntries = t;
    return t;
  }

  has(table: number): boolean {
    return this.tables.has(table);
  }

  /** Number of table pages tracked (all mms, kernel included). */
  size(): number {
    return this.tables.size;
  }

  /** pgd_alloc(). */
  pgdAlloc(mm: MmStruct): number {
    const pgd = this.arch.pgtable.pgdAlloc(mm);
    this.tables.set(pgd, this.newTable());
    mm.pgd = pgd;
    mm.nrPgtables++;
    return pgd;
  }

  /** pgd_free(): every lower level is already gone. */
  pgdFree(mm: MmStruct): void {
    if (mm.pgd < 0) return;
    this.dropTable(mm.pgd);
    this.arch.pgtable.pgdFree(mm, mm.pgd);
    mm.nrPgtables--;
    mm.pgd = -1;
  }

  /** Write one entry: our copy first, then the hardware store. */
  setEntry(
    cpu: number,
    mm: MmStruct,
    level: number,
    table: number,
    index: number,
    addr: number,
    entry: number,
  ): void {
    this.get(table)[index] = entry;
    this.arch.pgtable.setEntry(cpu, mm, level, table, index, addr, entry);
  }

  /**
   * Walk down to the table at `level` that covers addr, allocating missing tables when `alloc`.
   * Returns the table frame, or -1 if a level is missing (and !alloc), a huge leaf is in the way,
   * or memory ran out.
   */
  walk(cpu: number, mm: MmStruct, addr: number, level: number, alloc: boolean): number {
    const region = Math.floor(addr / PMD_SPAN);
    // The region first: it is -1 whenever cacheMm is null, so the mm comparison only ever sees two mms. A
    // comparison that had only seen mms was optimised for them, and a new machine's first walk (cacheMm
    // still null) threw that code away.
    if (level === 1 && this.cacheRegion === region && this.cacheMm === mm) return this.cacheTable;
    const table = this.walkSlow(cpu, mm, addr, level, alloc);
    if (level === 1 && table >= 0) {
      this.cacheMm = mm;
      this.cacheRegion = region;
      this.cacheTable = table;
    }
    return table;
  }

  private walkSlow(cpu: number, mm: MmStruct, addr: number, level: number, alloc: boolean): number {
    let table = mm.pgd;
    for (let l = LEVEL_PGD; l > level; l--) {
      const entries = this.get(table);
      const index = tableIndex(addr, l);
      const entry = entries[index];
      if (entry === 0) {
        if (!alloc) return -1;
        const child = this.arch.pgtable.pgtableAlloc(mm, l - 1, addr);
        if (child < 0) return -1;
        this.tables.set(child, this.newTable());
        mm.nrPgtables++;
        // pmd_populate()/pud_populate(): the new table becomes reachable only after it is zeroed.
        this.setEntry(cpu, mm, l, table, index, addr, mkTableEntry(child));
        table = child;
      } else if (entryIsLeaf(entry, l) || (pteFlags(entry) & PTE_PRESENT) === 0) {
        return -1;
      } else {
        table = ptePfn(entry);
      }
    }
    return table;
  }

  /** Read the entry at `level` for addr (0 when a level above is missing). */
  readEntry(mm: MmStruct, addr: number, level: number): number {
    const table = this.walk(0, mm, addr, level, false);
    return table < 0 ? 0 : this.get(table)[tableIndex(addr, level)];
  }

  /** Forget a table page without any store (the caller already unlinked it). */
  forget(mm: MmStruct, table: number): void {
    if (this.tables.has(table)) {
      this.dropTable(table);
      mm.nrPgtables--;
    }
  }

  /**
   * A zeroed table array: a freed one of this run, else one from the machine's lease (recycled from the
   * previous run's machine: every run's boot and first mappings allocate their tables again).
   */
  private newTable(): Float64Array {
    return (
      this.spare.pop() ??
      this.arch.lease?.take(Float64Array, PTRS_PER_TABLE) ??
      new Float64Array(PTRS_PER_TABLE)
    );
  }

  private dropTable(table: number): void {
    const t = this.tables.get(table);
    if (!t) return;
    this.tables.delete(table);
    if (table === this.lastTable) {
      this.lastTable = -1;
      this.lastEntries = null;
    }
    t.fill(0);
    if (this.spare.length < 4096) this.spare.push(t);
    this.cacheMm = null;
    this.cacheRegion = -1;
  }
}

const PMD_SPAN = 2 ** 21;
const LEVEL_DIVISOR = [1, 2 ** 12, 2 ** 21, 2 ** 30, 2 ** 39];

/** pte_index()/pmd_index()/…: the slot of addr in a table at `level`. */
export function tableIndex(addr: number, level: number): number {
  // ToInt32 truncates (= floor for addresses ≥ 0) and keeps the low bits of larger quotients.
  return (addr / LEVEL_DIVISOR[level]) & (PTRS_PER_TABLE - 1);
}
