// Swap-out (sys/vm/vm_swapout.c). Whole process: vm_daemon → vm_swapout_map_deactivate_pages(map, 0), whose
// last step — when nothing is wired — removes every mapping over [vm_map_min, vm_map_max) "to free page table
// pages": pmap_remove, or pmap_remove_swapout in D39556 revision 1. That call is what dropped the keys
// (spec freebsd-amd64.md §6). The per-object deactivation before it leaves recently referenced pages mapped
// (vm_swapout_object_deactivate_page re-activates a page whose reference bit is set), so the final removal is
// the one that unmaps a running process's pages. The newest tree has no process swapout any more, but vm_daemon
// still reaches this call with desired == 0 through an RLIMIT_RSS of 0.
// A range is a partial reclaim: page by page through the PV lists (pmap_remove_all, one pmap_invalidate_page
// per mapping), which never touches the rangeset.
// The page daemon then writes the unmapped pages to swap and frees their frames.
import type { Va } from '@shootdown/core';
import { VM_MAXUSER_PAGE } from '../constants.js';
import type { Vmspace } from './vmspace.js';

export function swapOut(vs: Vmspace, cpu: number, start?: Va, end?: Va): void {
  const { entries, pmap, deps } = vs;
  const whole = start === undefined || end === undefined;
  const s = whole ? 0 : Math.floor(start / 4096);
  const e = whole ? VM_MAXUSER_PAGE : Math.ceil(end / 4096);
  if (whole) {
    if (deps.lifetime.swapoutCallsRemoveSwapout) pmap.removeSwapout(cpu, s, e);
    else pmap.remove(cpu, s, e, 'swapout');
  }
  for (let i = entries.firstEndingAfter(s); i < entries.count && entries.start[i] < e; i++) {
    const obj = entries.obj[i];
    if (obj < 0) continue;
    const es = Math.max(s, entries.start[i]);
    const ee = Math.min(e, entries.end[i]);
    for (let p = es; p < ee; p++) {
      const index = entries.offset[i] + (p - entries.start[i]);
      const pfn = deps.objects.page(obj, index);
      if (pfn < 0 || deps.objects.shared(pfn)) continue;
      if (!whole) pmap.removeAllOf(cpu, p);
      deps.objects.pageOut(cpu, obj, index);
    }
  }
}
