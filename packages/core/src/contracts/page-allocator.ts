import type { CpuId, Pfn } from './addresses.js';
import type { OpReport, Outcome } from './outcome.js';

/**
 * Allocation flags: `unmapped` (Linux `__GFP_UNMAPPED`, RFC S002: the frame has no direct-map entry
 * while allocated), `zero` (`__GFP_ZERO`), `pagetable` (the frame becomes a page-table page:
 * `pagetable_alloc`, kpkeys protection on arm64), `fresh-pageblock` (placement: the block starts at the
 * first frame of a pageblock none of whose frames is in use; a policy that cannot place reports it
 * `ignored`).
 */
export type AllocFlag = 'unmapped' | 'zero' | 'pagetable' | 'fresh-pageblock';

export interface PageAllocReport extends OpReport {
  /** First frame of the block (absent on failure). */
  readonly pfn?: Pfn;
  readonly order?: number;
}

/**
 * An allocation's report, failed or not: every allocator makes its reports here, with all four fields
 * (undefined where it has none), so that they have one hidden class whatever the policy. The runner reads
 * each one's `pfn` and `ignored`; every allocator's shape of its own (`{ outcome }`, `{ outcome, pfn,
 * order }`, with `ignored` last or spread in) reaching that code deoptimised it.
 */
export function allocReport(
  outcome: Outcome,
  pfn?: Pfn,
  order?: number,
  ignored?: readonly string[],
): PageAllocReport {
  return { outcome, ignored, pfn, order };
}

/** The state the `pressure` op drives the allocator to (DESIGN §4). */
export interface PressureRequest {
  /** Target number of free frames. */
  readonly freePages: number | null;
  /** Fragment free memory so that no free block above this order remains. */
  readonly fragmentOrder: number | null;
  /** Ask the policy's shrinkers to run (arm64 kpkeys block-allocator shrinker, S-V6-17). */
  readonly shrink: boolean;
}

/**
 * The physical page allocator.
 *
 * Linux: the buddy allocator (mm/page_alloc.c `__alloc_pages`, `__free_pages`, pageblocks and
 * freetypes — migratetype + `FREETYPE_UNMAPPED`); FreeBSD `vm_page_alloc` / `vm_page_free`
 * (sys/vm/vm_page.c, vm_phys buddy queues). Every method may return `unsupported()`.
 */
export interface PageAllocator {
  /** `alloc_pages(gfp, order)` / `vm_page_alloc_contig`. `reuse` asks for exactly these frames back
   *  (the scenario's `reuse: <region>`): the allocator must hand them out if they are free. */
  alloc(cpu: CpuId, order: number, flags: readonly AllocFlag[], reuse?: readonly Pfn[]): PageAllocReport;
  /** `__free_pages(page, order)` / `vm_page_free`. */
  free(cpu: CpuId, pfn: Pfn, order: number): OpReport;
  /** Drive the allocator to a state (reclaim, compaction and fragmentation are out of scope:
   *  the allocator takes or releases frames to reach the request). */
  pressure(cpu: CpuId, req: PressureRequest): OpReport;
  /** The freetype/migratetype name of the pageblock holding `pfn` (`get_pageblock_migratetype`,
   *  freetype flags), for the `pageblock-freetype` check; `undefined` when the OS has none. */
  pageblockFreetype(pfn: Pfn): string | undefined;
}
