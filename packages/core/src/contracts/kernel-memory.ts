import type { CpuId, Pfn, Prot, Va } from './addresses.js';
import type { OpReport } from './outcome.js';

/** `reset-perms` = Linux `VM_FLUSH_RESET_PERMS` (set_vm_flush_reset_perms, 868b104d7379). */
export type KallocFlag = 'reset-perms' | 'exec' | 'huge' | 'no-guard';

export interface KallocReport extends OpReport {
  readonly start?: Va;
  /** The backing frames, in page order. */
  readonly frames?: readonly Pfn[];
}

/** Hints a caller gives `allocate` beside the flags. */
export interface KallocHints {
  /** The 2018 arch_vunmap series' VM_IMMEDIATE_UNMAP (seed 000), as the caller set it; absent: the policy's
   *  default. A policy without the hint reports `ignored: [immediate]`. */
  readonly immediate?: boolean;
}

/** Which alias a kernel protection change goes through: the region's own mapping or the linear map. */
export type KernelAlias = 'own' | 'direct-map';

/**
 * Kernel virtual memory.
 *
 * Linux: vmalloc (mm/vmalloc.c `__vmalloc_node_range`, `vfree` → `vm_remove_mappings` /
 * `vm_reset_perms`, lazy purge `__purge_vmap_area_lazy`), execmem / module_alloc, and
 * `set_memory_*` (arch/x86/mm/pat/set_memory.c). FreeBSD: `kmem_malloc` / `kmem_free`
 * (sys/vm/vm_kern.c), `pmap_change_prot`. Every method may return `unsupported()`.
 */
export interface KernelMemory {
  /** `vmalloc` / `module_alloc` / `execmem_alloc` (Linux); `kmem_malloc` (FreeBSD). */
  allocate(
    cpu: CpuId,
    pages: number,
    flags: readonly KallocFlag[],
    reuse?: readonly Pfn[],
    hints?: KallocHints,
  ): KallocReport;
  /** `set_memory_ro/rw/x/nx` on the region's alias (`via: own`), or `set_direct_map_*` on its frames'
   *  linear-map alias (`via: direct-map`); `flush: false` is the `_noflush` family. */
  protect(cpu: CpuId, start: Va, pages: number, prot: Prot, via: KernelAlias, flush: boolean): OpReport;
  /** `vfree` (`vm_remove_mappings` with or without VM_FLUSH_RESET_PERMS, per the selected variant);
   *  FreeBSD `kmem_free`. */
  free(cpu: CpuId, start: Va): OpReport;
  /** Run deferred work now (Linux lazy vmap purge `try_purge_vmap_area_lazy`): only at a `check`
   *  with `drain: true`, never at a hidden time. */
  drain(cpu: CpuId): OpReport;
}
