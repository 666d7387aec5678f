/**
 * core's `page-alloc … reuse: <region>`: take back exactly the frames another region freed. The kernel has
 * no call that asks the buddy allocator for named frames; this stands for "the next allocations happen to
 * get them", so it only takes the pages off the free lists (LinuxPageAllocator.allocSpecific). What
 * __GFP_UNMAPPED would add — the direct-map zap or the unmapped freetype (spec linux.md §4.1, §4.3) — has
 * no place on this path, so an `unmapped` flag is reported `ignored` on the step (DESIGN §4: a flag a
 * policy cannot express is reported, never silently dropped).
 */
import { allocReport, type PageAllocReport, type Pfn } from '@shootdown/core';
import { GFP_UNMAPPED } from './freetype.js';
import type { LinuxPageAllocator } from './page-alloc.js';

const IGNORED_UNMAPPED: readonly string[] = ['unmapped'];

/** The reuse path of PageAllocator.alloc: order-0 frames `reuse`, or EBUSY when one of them is not free. */
export function allocReuse(
  allocator: LinuxPageAllocator,
  reuse: readonly Pfn[],
  gfp: number,
): PageAllocReport {
  if (!allocator.allocSpecific(reuse, gfp)) return allocReport('error:EBUSY');
  return allocReport('ok', reuse[0], 0, gfp & GFP_UNMAPPED ? [...IGNORED_UNMAPPED] : undefined);
}
