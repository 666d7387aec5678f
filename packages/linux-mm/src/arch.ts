/**
 * The arch hooks: everything the generic mm asks of an architecture, named after the kernel
 * functions they stand for. `plugins/linux-x86` and `plugins/arm64-pkey` implement them on top of
 * the simulated MMU; the tests use a tiny fake. The generic code never touches hardware except
 * through these calls, so every store, flush and IPI an arch issues is its own to count.
 *
 * Convention: `cpu` is the CPU performing the operation (smp_processor_id()); it decides who
 * receives IPIs. Addresses are numbers in the canonical 48-bit form (see constants.ts).
 */
import type { ArrayLease } from '@shootdown/mmu';
import type { LinuxMm } from './linux-mm.js';
import type { MmStruct } from './mm.js';
import type { MmuGather } from './mmu-gather.js';

/** Where the kernel's regions live (x86: arch/x86/include/asm/pgtable_64_types.h). */
export interface KernelLayout {
  /** PAGE_OFFSET: start of the direct (linear) map; page_address(pfn) = directMapBase + pfn * 4096. */
  readonly directMapBase: number;
  readonly vmallocStart: number;
  /** Exclusive end of the vmalloc range. */
  readonly vmallocEnd: number;
  /** Base of the mm-local mermap region (x86: the generalised LDT remap area, spec §4.4). */
  readonly mermapBase: number;
  /** Size of each CPU's mermap window, in pages (a policy parameter). */
  readonly mermapWindowPages: number;
}

/** Which page-table page a hook is about: table frame + level (1 = PTE table … 4 = PGD). */
export interface PgtableArch {
  /** pgd_alloc(): the root of a new mm; the arch links the kernel half its own way. */
  pgdAlloc(mm: MmStruct): number;
  /** pgd_free(): the root after every lower table is gone (exit/exec). */
  pgdFree(mm: MmStruct, pgd: number): void;
  /**
   * pte_alloc_one / pmd_alloc_one / pud_alloc_one (and the _kernel variants for init_mm): a
   * zeroed table for `level` (1..3) covering `addr`. arm64 pkey hardening allocates these from
   * its own protected allocator. Returns -1 when no memory is left.
   */
  pgtableAlloc(mm: MmStruct, level: number, addr: number): number;
  /** pte_free / pmd_free / pud_free: the table is already unlinked and flushed. */
  pgtableFree(mm: MmStruct, level: number, table: number): void;
  /**
   * set_pte_at / pte_clear / set_pmd_at / pmd_populate / pmd_clear / pud_populate …: one store of
   * the software entry `entry` (pte.ts) into slot `index` of `table` at `level`, covering `addr`.
   * The generic mm has already updated its own copy of the table.
   */
  setEntry(
    cpu: number,
    mm: MmStruct,
    level: number,
    table: number,
    index: number,
    addr: number,
    entry: number,
  ): void;
}

export interface TlbArch {
  /** The arch tlb_flush(tlb): x86 and arm64 have their own; genericTlbFlush() is the asm-generic one. */
  tlbFlush(cpu: number, tlb: MmuGather): void;
  /** flush_tlb_mm_range(mm, start, end, stride_shift, freed_tables); end = TLB_FLUSH_ALL for all. */
  flushTlbMmRange(
    cpu: number,
    mm: MmStruct,
    start: number,
    end: number,
    strideShift: number,
    freedTables: boolean,
  ): void;
  /** flush_tlb_range(vma, start, end) with only the vm_flags that matter (the fake VMA of asm-generic). */
  flushTlbRange(cpu: number, mm: MmStruct, vmFlags: number, start: number, end: number): void;
  /** flush_tlb_mm(mm). */
  flushTlbMm(cpu: number, mm: MmStruct): void;
  /** flush_tlb_kernel_range(start, end); end = TLB_FLUSH_ALL means flush_tlb_all. */
  flushTlbKernelRange(cpu: number, start: number, end: number): void;
  /** arch_mermap_flush_tlb(): x86 a local full flush (lflush), arm64 a broadcast TLBI. */
  mermapFlushTlb(cpu: number): void;
  /** switch_mm_irqs_off(prev, next) after the generic code has updated loaded_mm/mm_cpumask. */
  switchMm(cpu: number, prev: MmStruct | null, next: MmStruct): void;
  /** enter_lazy_tlb(): the CPU keeps `mm` loaded but runs a kernel thread. */
  enterLazyTlb(cpu: number, mm: MmStruct | null): void;
}

export interface DirectMapArch {
  /** CONFIG_ARCH_HAS_SET_DIRECT_MAP / can_set_direct_map(); without it the reset-perms path uses set_memory_*. */
  canSetDirectMap(): boolean;
  /** set_direct_map_invalid_noflush(page). */
  setDirectMapInvalidNoflush(cpu: number, pfn: number): void;
  /** set_direct_map_default_noflush(page). */
  setDirectMapDefaultNoflush(cpu: number, pfn: number): void;
  /** set_direct_map_valid_noflush(page, nr, valid). */
  setDirectMapValidNoflush(cpu: number, pfn: number, nr: number, valid: boolean): void;
  /**
   * change_page_attr_set_clr() behind set_memory_ro/rw/x/nx on a kernel address: `set`/`clear` are
   * PTE_* bits (pte.ts). The arch does alias processing and its own flush (cpa_flush); it must call
   * `vmUnmapAliases` first like x86 CPA does (spec §2.4) — the generic code passes it in.
   */
  setMemory(cpu: number, addr: number, numpages: number, set: number, clear: number): void;
}

/** Protection-key register format and width (x86 PKRU: 2 bits per key; arm64 POR_EL0: 4 bits). */
export interface PkeyArch {
  /** arch_max_pkey(): 16 on x86, 8 with arm64 POE; 0 when the CPU has no keys. */
  readonly nrPkeys: number;
  /** Whether mprotect(PROT_EXEC) may get an execute-only key (x86: yes; arm64 POE: PROT_EXEC is already exec-only). */
  readonly executeOnlyPkeys: boolean;
  /** PKEY_ACCESS_MASK: the rights pkey_alloc accepts (x86 ACCESS|WRITE; arm64 adds EXECUTE|READ). */
  readonly accessMask: number;
  /** init_pkru_value / POR_EL0 reset value given to a thread at exec. */
  readonly initRegister: number;
  /** arch_set_user_pkey_access(): the register value with `pkey`'s rights replaced by `rights` (PKEY_DISABLE_*). */
  setRights(register: number, pkey: number, rights: number): number;
  /** The PKEY_DISABLE_* rights the register gives `pkey` (for checks and reports). */
  rightsOf(register: number, pkey: number): number;
  /** WRPKRU / MSR POR_EL0 on `cpu` for the thread running there. */
  writeRegister(cpu: number, value: number): void;
}

/** Everything one Linux arch supplies to the generic mm. */
export interface LinuxArch {
  readonly name: string;
  readonly nrCpus: number;
  readonly layout: KernelLayout;
  readonly pgtable: PgtableArch;
  readonly tlb: TlbArch;
  readonly directMap: DirectMapArch;
  readonly pkeys: PkeyArch;
  /**
   * Where the mm takes its per-frame arrays (buddy free lists, page references) and its software copies of
   * the page tables (pgtable.ts): the simulated machine's
   * lease, so they are recycled from one run's machine to the next with the machine's own arrays and
   * belong to the next machine once this one is released. Absent: ordinary new arrays.
   */
  readonly lease?: ArrayLease;
  /**
   * Called once by the LinuxMm constructor, after its page allocator exists and before the first
   * page table is allocated: pte_alloc_one() needs the buddy allocator (LinuxMm.allocator).
   */
  attach?(lm: LinuxMm): void;
}

/** TLB_FLUSH_ALL ((unsigned long)-1): an `end` that means "everything". */
export const TLB_FLUSH_ALL = -1;
