/**
 * mm_struct: the VMA list (sorted array; the kernel's maple tree is a lookup structure, not
 * semantics), the root table, mm_cpumask, the TLB generation and the pending-flush counter, and
 * the pkey allocation state (x86 mm->context.pkey_allocation_map / execute_only_pkey).
 */
import type { VmArea } from './vma.js';

export class MmStruct {
  /** Sorted by vmStart, non-overlapping. */
  readonly vmas: VmArea[] = [];
  /** mm_cpumask(mm): CPUs that have (or may have) this mm loaded, lazily or not. */
  readonly cpumask: Uint8Array;
  /** mm->context.tlb_gen (x86 init_new_context starts it at 1). The arch bumps it in flush_tlb_mm_range. */
  tlbGen = 1;
  /** mm->tlb_flush_pending: gathers in progress on this mm (inc/dec_tlb_flush_pending). */
  tlbFlushPending = 0;
  /** pkey_allocation_map: bit k set = key k allocated; key 0 is allocated at mm creation (mm_pkey_alloc). */
  pkeyAllocationMap = 0x1;
  /** execute_only_pkey: -1 until mprotect(PROT_EXEC) needs one. */
  executeOnlyPkey = -1;
  /** mm_users: tasks sharing this mm. */
  users = 1;
  /** Page-table pages currently allocated (pgtable_bytes / PAGE_SIZE, including the pgd). */
  nrPgtables = 0;
  /** The root table frame (mm->pgd), -1 once freed. */
  pgd = -1;
  /** Set by exit_mmap (the fullmm teardown) once the address space is gone. */
  dead = false;

  constructor(
    readonly id: number,
    nrCpus: number,
  ) {
    this.cpumask = new Uint8Array(nrCpus);
  }

  /** find_vma(): the first VMA with vmEnd > addr, or undefined. */
  findVma(addr: number): VmArea | undefined {
    const i = this.findVmaIndex(addr);
    return i < this.vmas.length ? this.vmas[i] : undefined;
  }

  /** Index of the first VMA with vmEnd > addr (binary search). */
  findVmaIndex(addr: number): number {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.vmas[mid].vmEnd > addr) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** vma_lookup(): the VMA containing addr, if any. */
  vmaLookup(addr: number): VmArea | undefined {
    const vma = this.findVma(addr);
    return vma && vma.vmStart <= addr ? vma : undefined;
  }

  /** mm_tlb_flush_nested(): more than one gather pending on this mm (spec §5.8). */
  tlbFlushNested(): boolean {
    return this.tlbFlushPending > 1;
  }

  /** Whether any CPU currently has this mm loaded (cpumask non-empty). */
  cpumaskWeight(): number {
    let n = 0;
    for (let i = 0; i < this.cpumask.length; i++) n += this.cpumask[i];
    return n;
  }
}
