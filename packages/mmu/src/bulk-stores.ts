// Runs of leaf stores into one table: Linux set_ptes() (include/linux/pgtable.h — "map consecutive pages to
// a contiguous range of addresses", all in one page table), and the loop of arm64 alloc_init_pte()
// (arch/arm64/mm/mmu.c) that fills a PTE table while __create_pgd_mapping() builds the linear map at boot.
// A run is exactly its per-entry stores in address order — the same clock ticks, since[] values, reverse-
// view counts, stale records, break-before-make checks, observer calls and trace events — but an empty
// entry becoming a leaf, with nothing that could watch it happen, is counted without the general store's
// work (a boot stores hundreds of thousands of them).
import { ENTRIES_PER_TABLE, KERNEL_HALF, LEVEL_PAGES, LEVEL_SIZE, Pte, type LeafLevel } from './constants.js';
import type { SpaceId } from './core.js';
import { MachineRegime } from './regime.js';
import { tableIndex } from './tables.js';

export abstract class MachineBulkStores extends MachineRegime {
  /**
   * Store `nr` present leaves at `level` from `va` on, the i-th mapping frame `pfn + i × (pages per leaf)`:
   * what `nr` calls of `setLeaf` in ascending address order do. The leaves must lie in one table, whose
   * path must exist.
   */
  setLeaves(space: SpaceId, va: number, level: LeafLevel, nr: number, pfn: number, flags: number): void {
    this.checkAligned(va, level);
    if ((flags & Pte.TABLE) !== 0) throw new Error('setLeaves: use setTable for table pointers');
    if (!Number.isInteger(nr) || nr < 0) throw new RangeError(`bad leaf count ${nr}`);
    if (nr === 0) return;
    const step = LEVEL_PAGES[level];
    const last = pfn + (nr - 1) * step;
    if (!Number.isInteger(pfn) || pfn < 0 || last >= 2 ** 32) throw new RangeError(`bad frame ${pfn}`);
    const first = tableIndex(va, level);
    if (first + nr > ENTRIES_PER_TABLE)
      throw new RangeError(`setLeaves: entries ${first}..${first + nr - 1} do not fit in one table`);
    const slot = this.tableAt(space, va, level);
    const t = this.tables;
    const nf = flags | Pte.PRESENT;
    const size = LEVEL_SIZE[level];
    // The shortcut below is the general store with every branch that cannot fire left out: no old leaf to
    // retire, one alias (one translation to count), no observer, no trace, and on arm64 no stale
    // record a break-before-make conflict could come from (bbm.ts conflictingHolders finds none then).
    // Asked once: a general store in the run may leave stale records behind, but only for its own entry's
    // addresses, which no later entry of the run translates — they cannot conflict with its stores.
    const quiet = this.quiet(slot);
    if ((nf & Pte.GLOBAL) !== 0 && va < KERNEL_HALF && this.tables.slotLive[slot] !== 0)
      this.anyUserGlobal = true;
    const b = slot * ENTRIES_PER_TABLE;
    for (let k = 0; k < nr;) {
      const i = first + k;
      const no = pfn + k * step;
      if (!quiet || (t.flags[b + i] & Pte.PRESENT) !== 0) {
        this.store(slot, i, level, va + k * size, nf, no);
        k++;
        continue;
      }
      // The stretch of empty entries from here takes the short path at once: consecutive store times, and
      // 4 KiB leaves counted in the reverse view as one run (a frame each).
      let j = k + 1;
      while (j < nr && (t.flags[b + first + j] & Pte.PRESENT) === 0) j++;
      const since = this.clock;
      this.clock += j - k;
      t.fillEmpty(b + i, j - k, nf, no, step, since);
      if (step === 1) this.reverse.validRun(no, j - k, nf, since);
      else for (let m = 0; m < j - k; m++) this.reverse.valid(no + m * step, step, nf, since + m, 1);
      k = j;
    }
  }

  private quiet(slot: number): boolean {
    return (
      this.sink === null &&
      this.observers.length === 0 &&
      this.tables.slotLive[slot] === 1 &&
      !(this.isArm && this.staleLeaf.live > 0)
    );
  }
}
