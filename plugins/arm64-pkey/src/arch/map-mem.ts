// map_mem(): the granularity the arm64 kernel builds its linear map with, followed from arch/arm64/mm/mmu.c as of
// Linux v6.18 (Yang Shi's "arm64: mm: support large block mapping when rodata=full" and Ryan Roberts'
// force_pte_mapping() rework). force_pte_mapping() is true when the CPUs lack BBML2_NOABORT and the linear map's
// permissions may change later (rodata=full — arm64's default, CONFIG_RODATA_FULL_DEFAULT_ENABLED — KFENCE,
// realms); map_mem() then passes NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS and every linear-map leaf is a PTE.
// Only with BBML2_NOABORT does the linear map keep blocks (linear_map_requires_bbml2), because only then can
// split_kernel_leaf_mapping() split a live block in place. kpkeys needs set_memory_pkey() on the linear map,
// the same need as rodata=full: v5's cover letter and v7 13/24 state the feature runs on a PTE-mapped linear map.
import type { LinearMapLeaf } from '../linear-map.js';

/**
 * The leaf map_mem() uses: the machine's requested leaf when the CPUs have BBML2_NOABORT (Design C then caps it
 * at a pageblock, spec arm64-pkey.md §6.3), otherwise 4 KiB pages (force_pte_mapping()).
 */
export function linearMapLeaf(
  requested: LinearMapLeaf,
  bbml2NoAbort: boolean,
  pageblockGranular: boolean,
): LinearMapLeaf {
  if (!bbml2NoAbort) return '4K';
  return pageblockGranular && requested === '1G' ? '2M' : requested;
}
