/**
 * `check: linux.vmap-lazy` — vmalloc's lazy-purge state (mm/vmalloc.c): `vmap_lazy_nr` (pages waiting on
 * the purge list, guard pages included), `lazy_max_pages()` (the drain threshold), the vmap areas on the
 * lazy list now (one per lazily freed area: insert_vmap_area() on vn->lazy), how many purges have
 * flushed so far, and how many areas the last one purged (the `num_purged_areas` that
 * __purge_vmap_area_lazy() reports through trace_purge_vmap_area_lazy()).
 */
import type { Json, ProbeContribution } from '@shootdown/core';
import type { LinuxMm } from './linux-mm.js';

/** The run's LinuxMm, registered by a Linux policy's `configure` so linux-mm's probes find it. */
export const LINUX_MM: symbol = Symbol.for('@shootdown/linux-mm:LinuxMm');

export function vmapLazyState(lm: LinuxMm): Json {
  const vm = lm.vmalloc;
  return {
    vmap_lazy_nr: vm.vmapLazyNr,
    lazy_max_pages: vm.lazyMaxPages(),
    lazy_areas: vm.lazyAreas(),
    purges: vm.purges,
    last_purged_areas: vm.lastPurgedAreas,
  };
}

/** The probe, for the Linux policies that register LINUX_MM in their run's container. */
export function vmapLazyProbe(policies: readonly string[]): ProbeContribution {
  return {
    name: 'linux.vmap-lazy',
    policies,
    description:
      "vmalloc's lazy purge (mm/vmalloc.c): vmap_lazy_nr, lazy_max_pages, vmap areas on the lazy list, " +
      'purges so far and num_purged_areas of the last one (trace_purge_vmap_area_lazy).',
    answer: ({ container }) => vmapLazyState(container.resolve<LinuxMm>(LINUX_MM)),
  };
}
