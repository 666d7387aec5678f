// x86 TLB shootdown (arch/x86/mm/tlb.c): flush_tlb_mm_range with mm_cpumask, lazy CPUs and tlb_gen
// catch-up, flush_tlb_kernel_range to every online CPU, the single-page ceiling, PCID switching, and the
// x86 tlb_flush() that ignores vma_exec/vma_huge (arch/x86/include/asm/tlb.h). Spec linux.md §2.2, §2.3.
import {
  genericTlbFlush,
  PAGE_SHIFT,
  PAGE_SIZE,
  PMD_SHIFT,
  TLB_FLUSH_ALL,
  tlbGetUnmapShift,
  VM_EXEC,
  VM_HUGETLB,
  type CpuTlbState,
  type LinuxArch,
  type MmStruct,
  type MmuGather,
  type TlbArch,
} from '@shootdown/linux-mm';
import { MAX_DVM_OPS, TLB_NR_DYN_ASIDS, type X86Config } from './x86-config.js';
import { SIDE_BOTH, SIDE_DATA, type X86Port } from './port.js';

/** One flush request (struct flush_tlb_info). `end === TLB_FLUSH_ALL` means a full flush. */
interface FlushInfo {
  mm: MmStruct | null;
  start: number;
  end: number;
  strideShift: number;
  newTlbGen: number;
  freedTables: boolean;
  /** Sides to invalidate per page (split-TLB generic flush); SIDE_BOTH on x86. */
  sides: number;
}

export class X86Tlb implements TlbArch {
  /** cpu_tlbstate.ctxs[asid].ctx_id / .tlb_gen, TLB_NR_DYN_ASIDS slots per CPU. */
  private readonly ctxId: Int32Array;
  private readonly ctxGen: Float64Array;
  /** cpu_tlbstate.loaded_mm_asid and next_asid. */
  private readonly loadedAsid: Int8Array;
  private readonly nextAsid: Uint8Array;
  /** cpu_tlbstate.invalidate_other (PTI): the other ASIDs must be flushed before their next use. */
  private readonly invalidateOther: Uint8Array;
  /** One reusable request, so a flush allocates nothing. */
  private readonly info: FlushInfo = {
    mm: null,
    start: 0,
    end: 0,
    strideShift: PAGE_SHIFT,
    newTlbGen: 0,
    freedTables: false,
    sides: SIDE_BOTH,
  };
  /** mm->context.ctx_id: unique per mm for the life of the machine (an exec'd mm reuses the pid). */
  private readonly ctxIds = new WeakMap<MmStruct, number>();
  private nextCtxId = 1;
  private cpus!: CpuTlbState;
  private arch!: LinuxArch;
  /** freed_tables of the gather being flushed through the asm-generic path, whose flush_tlb_range has no
   *  such argument; kept so the IPI set stays x86's and only the flags question differs. */
  private genericFreedTables = false;

  constructor(
    private readonly port: X86Port,
    private readonly config: X86Config,
    /** init_mm's root (swapper_pg_dir): what a lazy CPU switches to when it gives the mm up. */
    private readonly kernelRoot: () => number,
  ) {
    const n = port.nrCpus;
    this.ctxId = new Int32Array(n * TLB_NR_DYN_ASIDS).fill(-1);
    this.ctxGen = new Float64Array(n * TLB_NR_DYN_ASIDS);
    this.loadedAsid = new Int8Array(n).fill(-1);
    this.nextAsid = new Uint8Array(n);
    this.invalidateOther = new Uint8Array(n);
  }

  /** Late binding: the generic per-CPU state and the assembled arch exist only after construction. */
  attach(arch: LinuxArch, cpus: CpuTlbState): void {
    this.arch = arch;
    this.cpus = cpus;
  }

  // ----- arch tlb_flush(): who reads which gather fields -----

  tlbFlush(cpu: number, tlb: MmuGather): void {
    if (this.config.genericSplitFlush) {
      // asm-generic tlb_flush: fake VMA with VM_EXEC / VM_HUGETLB from the gather (spec §5.4).
      this.genericFreedTables = tlb.freedTables;
      genericTlbFlush(this.arch, tlb);
      this.genericFreedTables = false;
      return;
    }
    // arch/x86/include/asm/tlb.h tlb_flush(): the range (or all for fullmm / need_flush_all), the stride
    // of the lowest cleared level, freed_tables passed through; vma_exec / vma_huge never read (§2.3.7).
    let start = 0;
    let end = TLB_FLUSH_ALL;
    if (!tlb.fullmm && !tlb.needFlushAll) {
      start = tlb.start;
      end = tlb.end;
    }
    this.flushTlbMmRange(cpu, tlb.mm, start, end, tlbGetUnmapShift(tlb), tlb.freedTables);
  }

  /** flush_tlb_range(vma, …): x86 maps it onto flush_tlb_mm_range (huge VMAs at PMD stride). With the
   *  generic split flush the instruction side is invalidated only for VM_EXEC (ARMv6 v6wbi_flush_user_tlb_range). */
  flushTlbRange(cpu: number, mm: MmStruct, vmFlags: number, start: number, end: number): void {
    const stride = (vmFlags & VM_HUGETLB) !== 0 ? PMD_SHIFT : PAGE_SHIFT;
    if (!this.config.genericSplitFlush) {
      this.mmRange(cpu, mm, start, end, stride, false, SIDE_BOTH, this.config.ceiling);
      return;
    }
    // ARMv6 flush_tlb_range → v6wbi_flush_user_tlb_range (arch/arm/mm/tlb-v6.S, HARVARD_TLB): every page of
    // the range on the data side, the instruction side only for VM_EXEC, and no ceiling converting a long
    // range into a full flush. (ARMv7's v7wbi_flush_user_tlb_range, tlb-v7.S, uses the unified invalidate.)
    const sides = (vmFlags & VM_EXEC) !== 0 ? SIDE_BOTH : SIDE_DATA;
    this.mmRange(cpu, mm, start, end, stride, this.genericFreedTables, sides, Number.POSITIVE_INFINITY);
  }

  /** flush_tlb_mm(mm) = flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, 0, true) (arch/x86/include/asm/tlbflush.h). */
  flushTlbMm(cpu: number, mm: MmStruct): void {
    this.mmRange(cpu, mm, 0, TLB_FLUSH_ALL, PAGE_SHIFT, true, SIDE_BOTH, this.config.ceiling);
  }

  flushTlbMmRange(
    cpu: number,
    mm: MmStruct,
    start: number,
    end: number,
    strideShift: number,
    freedTables: boolean,
  ): void {
    this.mmRange(cpu, mm, start, end, strideShift, freedTables, SIDE_BOTH, this.config.ceiling);
  }

  /**
   * flush_tlb_mm_range(): bump tlb_gen, decide range vs full by the ceiling *in strides* (§2.3 item 1),
   * flush locally if the mm is loaded here, then IPI the other CPUs of mm_cpumask — every one when page
   * tables were freed (a lazy CPU may still walk them speculatively), else only the non-lazy ones
   * (native_flush_tlb_multi, tlb_is_not_lazy).
   */
  private mmRange(
    cpu: number,
    mm: MmStruct,
    start: number,
    end: number,
    strideShift: number,
    freedTables: boolean,
    sides: number,
    ceiling: number,
  ): void {
    const port = this.port;
    port.count('kflush');
    const f = this.info;
    f.mm = mm;
    f.strideShift = strideShift;
    f.freedTables = freedTables;
    f.sides = sides;
    f.newTlbGen = ++mm.tlbGen;
    if (end !== TLB_FLUSH_ALL && Math.floor((end - start) / 2 ** strideShift) <= ceiling) {
      f.start = start;
      f.end = end;
    } else {
      f.start = 0;
      f.end = TLB_FLUSH_ALL;
    }
    if (this.config.shootdown !== 'ipi') {
      this.broadcastUser(cpu, f);
      return;
    }
    const isLazy = this.cpus.isLazy;
    const includeLazy = freedTables && !this.config.skipLazyAlways;
    const targets: number[] = [];
    for (let c = 0; c < port.nrCpus; c++) {
      if (c === cpu || mm.cpumask[c] === 0) continue;
      if (isLazy[c] !== 0 && !includeLazy) continue;
      targets.push(c);
    }
    const local = this.cpus.loadedMm[cpu] === mm;
    if (targets.length === 0) {
      // no other CPU: flush_tlb_func() right here, with interrupts off, no IPI machinery
      if (local) this.flushTlbFunc(cpu, f);
      return;
    }
    // flush_tlb_multi → on_each_cpu_cond_mask(should_flush_tlb, flush_tlb_func, …, wait=1): the local
    // flush runs after the IPIs are sent, while the targets run theirs (smp_call_function_many_cond).
    if (local) targets.push(cpu);
    port.onEachCpu(cpu, targets, (c) => this.flushTlbFunc(c, f));
  }

  /**
   * flush_tlb_func(): ignore if this CPU runs another mm now; a lazy CPU switches to init_mm (cheaper
   * than a minimal flush, and it stops speculative walks of the old tables); otherwise catch up to the
   * mm's tlb_gen — per stride when exactly one generation behind and the request is a range, else a full
   * flush of this PCID (the "tlb_gen catch-up", §2.3 item 4).
   */
  private flushTlbFunc(cpu: number, f: FlushInfo): void {
    const loaded = this.cpus.loadedMm[cpu] ?? null;
    if (loaded === null || (f.mm !== null && f.mm !== loaded)) return;
    if (this.cpus.isLazy[cpu] !== 0) {
      this.switchToInitMm(cpu, loaded);
      return;
    }
    const slot = cpu * TLB_NR_DYN_ASIDS + this.loadedAsid[cpu]!;
    const localGen = this.ctxGen[slot]!;
    const mmGen = loaded.tlbGen;
    if (localGen === mmGen) return;
    if (f.end !== TLB_FLUSH_ALL && f.newTlbGen === localGen + 1 && f.newTlbGen === mmGen) {
      const stride = 2 ** f.strideShift;
      if (this.config.genericSplitFlush) {
        // The Harvard per-MVA loop has no ceiling, and free_pgtables can widen the range to a whole
        // page-table level (pmd/pud_free_tlb at the rounded-down start): the MMU applies the loop over what
        // is cached instead of stepping 2^27 addresses — same effect, same invlpg count.
        this.port.invlpgRangeSide(cpu, f.start, f.end, stride, f.sides);
      } else {
        for (let addr = f.start; addr < f.end; addr += stride) this.port.invlpg(cpu, addr);
      }
    } else {
      this.port.flushLocal(cpu);
    }
    this.ctxGen[slot] = mmGen;
  }

  /** switch_mm_irqs_off(NULL, &init_mm): the lazy CPU drops the mm (leave_mm); counted as `lflush`. */
  private switchToInitMm(cpu: number, mm: MmStruct): void {
    this.port.count('lflush');
    this.port.loadCr3(cpu, this.kernelRoot(), 0, true);
    this.loadedAsid[cpu] = -1;
    this.cpus.leaveMm(cpu, mm);
  }

  /**
   * INVLPGB (and the broadcast-TLBI comparison model): the hardware reaches every CPU, lazy or not, so no
   * IPI is sent and no tlb_gen bookkeeping is needed for correctness; generations are still brought up to
   * date so that a CPU switching back does not flush again.
   */
  private broadcastUser(cpu: number, f: FlushInfo): void {
    const port = this.port;
    const all = f.end === TLB_FLUSH_ALL;
    const limit = this.config.shootdown === 'invlpgb' ? this.config.invlpgbCountMax : MAX_DVM_OPS;
    if (
      !all &&
      Math.floor((f.end - f.start) / PAGE_SIZE) > MAX_DVM_OPS &&
      this.config.shootdown !== 'invlpgb'
    ) {
      port.invlpgb(cpu, 0, 0, true);
    } else if (all) {
      port.invlpgb(cpu, 0, 0, true);
    } else {
      const stride = 2 ** f.strideShift;
      for (let addr = f.start; addr < f.end; addr += stride * limit) {
        const pages = Math.min(limit, Math.ceil((f.end - addr) / stride));
        port.invlpgb(cpu, addr, pages, false);
      }
    }
    port.tlbsync(cpu);
    const mm = f.mm!;
    for (let c = 0; c < port.nrCpus; c++) {
      const asid = this.loadedAsid[c]!;
      if (this.cpus.loadedMm[c] === mm && asid >= 0) this.ctxGen[c * TLB_NR_DYN_ASIDS + asid] = mm.tlbGen;
    }
  }

  // ----- kernel ranges -----

  /**
   * flush_tlb_kernel_range(): flush-all (every CPU, globals included) above the ceiling or for
   * TLB_FLUSH_ALL, else INVLPG per page on every online CPU — idle and lazy ones too, kernel mappings
   * are shared (§2.2). Counts: kflush 1, ipi C−1, full C or invlpg pages×C. The test is
   * `(end - start) > tlb_single_page_flush_ceiling << PAGE_SHIFT` (arch/x86/mm/tlb.c
   * flush_tlb_kernel_range), so 33 pages are still flushed one by one and 34 are not; flush_tlb_mm_range
   * keeps a range while `(end - start) >> stride_shift <= ceiling`, and cpa_flush flushes all when
   * `force_flush_all || numpages > ceiling` (arch/x86/mm/pat/set_memory.c) — the same boundary.
   */
  flushTlbKernelRange(cpu: number, start: number, end: number): void {
    const port = this.port;
    if (end !== TLB_FLUSH_ALL && end <= start) return;
    port.count('kflush');
    const all = end === TLB_FLUSH_ALL || end - start > this.config.ceiling * PAGE_SIZE;
    if (this.config.shootdown !== 'ipi') {
      this.broadcastKernel(cpu, start, end, all);
      return;
    }
    // on_each_cpu(do_flush_tlb_all | do_kernel_range_flush, info, 1): every online CPU, this one included
    if (all) {
      port.onEachCpu(cpu, 'all', (c) => port.flushAllGlobal(c));
      return;
    }
    // do_kernel_range_flush: flush_tlb_one_kernel on each page, on each CPU — the INVLPGs as one port call, and
    // with PTI every CPU marks its other ASIDs for invalidation (nothing reads the marks during the round).
    port.invlpgOnEachCpu(cpu, start, Math.ceil((end - start) / PAGE_SIZE));
    if (this.config.pti) this.invalidateOther.fill(1);
  }

  /** flush_tlb_all(): on_each_cpu(do_flush_tlb_all) — what every direct-map split costs (§2.4). */
  flushTlbAll(cpu: number): void {
    this.flushTlbKernelRange(cpu, 0, TLB_FLUSH_ALL);
  }

  /**
   * on_each_cpu(__cpa_flush_tlb): cpa_flush before 86e6815b316e — not flush_tlb_kernel_range, so an IPI to
   * every other CPU and one INVLPG per listed page on each, INVLPGB or not (the INVLPGB series reached
   * cpa_flush only through that commit). The arm64-style comparison model broadcasts each page instead.
   */
  flushKernelPagesOnEachCpu(cpu: number, addrs: Float64Array, n: number): void {
    const port = this.port;
    if (this.config.shootdown === 'broadcast-tlbi') {
      for (let i = 0; i < n; i++) port.invlpgb(cpu, addrs[i]!, 1, false);
      port.tlbsync(cpu);
      return;
    }
    port.onEachCpu(cpu, 'all', (c) => {
      for (let i = 0; i < n; i++) this.flushTlbOneKernel(c, addrs[i]!);
    });
  }

  /** flush_tlb_one_kernel(): INVLPG; with PTI the other ASIDs are marked for invalidation (invalidate_other_asid). */
  private flushTlbOneKernel(cpu: number, addr: number): void {
    this.port.invlpg(cpu, addr);
    if (this.config.pti) this.invalidateOther[cpu] = 1;
  }

  private broadcastKernel(cpu: number, start: number, end: number, all: boolean): void {
    const port = this.port;
    const limit = this.config.shootdown === 'invlpgb' ? this.config.invlpgbCountMax : MAX_DVM_OPS;
    if (all || (this.config.shootdown !== 'invlpgb' && end - start > MAX_DVM_OPS * PAGE_SIZE)) {
      port.invlpgb(cpu, 0, 0, true);
    } else {
      for (let addr = start; addr < end; addr += limit * PAGE_SIZE) {
        port.invlpgb(cpu, addr, Math.min(limit, (end - addr) / PAGE_SIZE), false);
      }
    }
    port.tlbsync(cpu);
  }

  // ----- mermap, context switch -----

  /**
   * arch_mermap_flush_tlb(): a local flush of the mm's non-global entries (native_flush_tlb_local, a CR3
   * rewrite), never a shootdown — IRQs may be off (spec §4.4). Counted once, as `lflush`.
   */
  mermapFlushTlb(cpu: number): void {
    this.port.count('lflush');
    this.port.reloadCr3(cpu);
  }

  /**
   * switch_mm_irqs_off(): the generic code has already moved loaded_mm and mm_cpumask. Coming back from
   * lazy mode to the same mm flushes only if tlb_gen moved meanwhile; a real switch picks a PCID with
   * choose_new_asid and flushes it if it was used by another mm or is behind (§2.3 item 6).
   */
  switchMm(cpu: number, prev: MmStruct | null, next: MmStruct): void {
    const base = cpu * TLB_NR_DYN_ASIDS;
    if (this.invalidateOther[cpu] !== 0) this.clearOtherAsids(cpu);
    let asid = this.loadedAsid[cpu]!;
    let needFlush: boolean;
    if (prev === next && asid >= 0) {
      if (this.ctxGen[base + asid] === next.tlbGen) return;
      needFlush = true;
    } else {
      asid = -1;
      needFlush = true;
      if (this.config.pcid) {
        for (let i = 0; i < TLB_NR_DYN_ASIDS; i++) {
          if (this.ctxId[base + i] === this.ctxIdOf(next)) {
            asid = i;
            needFlush = this.ctxGen[base + i]! < next.tlbGen;
            break;
          }
        }
      }
      if (asid < 0) {
        asid = this.config.pcid ? this.nextAsid[cpu]! % TLB_NR_DYN_ASIDS : 0;
        this.nextAsid[cpu] = (asid + 1) % TLB_NR_DYN_ASIDS;
      }
    }
    if (!this.config.pcid) needFlush = true;
    this.ctxId[base + asid] = this.ctxIdOf(next);
    this.ctxGen[base + asid] = next.tlbGen;
    this.loadedAsid[cpu] = asid;
    // kern_pcid(asid) = asid + 1: PCID 0 stays for init_mm / non-PCID CR3 writes.
    this.port.loadCr3(cpu, next.pgd, this.config.pcid ? asid + 1 : 0, needFlush);
  }

  private ctxIdOf(mm: MmStruct): number {
    let id = this.ctxIds.get(mm);
    if (id === undefined) {
      id = this.nextCtxId++;
      this.ctxIds.set(mm, id);
    }
    return id;
  }

  /** enter_lazy_tlb(): x86 only sets is_lazy (done by the generic code); the old CR3 stays loaded. */
  enterLazyTlb(_cpu: number, _mm: MmStruct | null): void {}

  /** PTI invalidate_other: forget every other ASID's context so its next use flushes (counted `lflush`). */
  private clearOtherAsids(cpu: number): void {
    const base = cpu * TLB_NR_DYN_ASIDS;
    const keep = this.loadedAsid[cpu]!;
    for (let i = 0; i < TLB_NR_DYN_ASIDS; i++) if (i !== keep) this.ctxId[base + i] = -1;
    this.invalidateOther[cpu] = 0;
    this.port.count('lflush');
  }

  /** The PCID `cpu` currently runs the user mm under (0 when none), for the port and for tests. */
  currentPcid(cpu: number): number {
    const asid = this.loadedAsid[cpu]!;
    return asid < 0 || !this.config.pcid ? 0 : asid + 1;
  }
}
