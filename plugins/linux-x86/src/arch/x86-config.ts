// What the selected variants and the machine parameters decide for the x86 arch code, as plain data.

/** How shootdowns reach other CPUs (mechanism `shootdown`, spec linux.md §2.6). */
export type ShootdownMode = 'ipi' | 'invlpgb' | 'broadcast-tlbi';

export interface X86Config {
  /** tlb_single_page_flush_ceiling in pages (machine `flushCeiling`, or 0 under `x86-ceiling-0`). */
  readonly ceiling: number;
  readonly shootdown: ShootdownMode;
  /** `x86-pti`: kernel entries are not global and kernel INVLPGs mark the other ASIDs stale. */
  readonly pti: boolean;
  /** `x86-skip-lazy-always`: lazy CPUs skipped even when page tables were freed (buggy reference). */
  readonly skipLazyAlways: boolean;
  /** CR4.PCIDE: without it every CR3 write flushes the non-global TLB. */
  readonly pcid: boolean;
  /** `tlb-flush=generic-split`: the asm-generic tlb_flush honouring vma_exec on a split I/D TLB. */
  readonly genericSplitFlush: boolean;
  /** invlpgb_count_max: pages one INVLPGB may cover (machine `invlpgbCountMax`, from CPUID 0x80000008). */
  readonly invlpgbCountMax: number;
  /**
   * Mechanism `cpa-flush`: how cpa_flush() (arch/x86/mm/pat/set_memory.c) invalidates a CPA's pages.
   * `flush-kernel-range` since 86e6815b316e "x86/mm: Change cpa_flush() to call flush_kernel_range()
   * directly" (6.18): flush_tlb_kernel_range(start, start + numpages, or TLB_FLUSH_ALL when forced), so
   * INVLPGB where the CPU has it; `on-each-cpu` before: flush_tlb_all() when forced or above the ceiling,
   * else on_each_cpu(__cpa_flush_tlb) — IPIs and one INVLPG per page on every CPU, INVLPGB or not.
   */
  readonly cpaFlush: CpaFlush;
}

export const CPA_FLUSHES = ['flush-kernel-range', 'on-each-cpu'] as const;
export type CpaFlush = (typeof CPA_FLUSHES)[number];

/** TLB_NR_DYN_ASIDS (arch/x86/include/asm/tlbflush.h): dynamic PCIDs a CPU keeps per mm. */
export const TLB_NR_DYN_ASIDS = 6;

/**
 * arm64's MAX_DVM_OPS (= PTRS_PER_PTE): the page count above which the broadcast-TLBI comparison model
 * falls back to a full invalidation (arch/arm64/include/asm/tlbflush.h __flush_tlb_range_op).
 */
export const MAX_DVM_OPS = 512;
