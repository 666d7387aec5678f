/**
 * Per-CPU lazy-TLB state kept by the generic scheduler glue (x86: cpu_tlbstate.loaded_mm and
 * cpu_tlbstate_shared.is_lazy; arm64 keeps the same facts in its active_mm). It is arch-independent
 * state; what a switch costs is the arch's switchMm hook.
 */
import type { LinuxArch } from './arch.js';
import type { MmStruct } from './mm.js';

export class CpuTlbState {
  /** loaded_mm per CPU; null = init_mm (no user address space loaded). */
  readonly loadedMm: (MmStruct | null)[];
  /** is_lazy per CPU: 1 while a kernel thread borrows the previous user mm. */
  readonly isLazy: Uint8Array;

  constructor(readonly nrCpus: number) {
    this.loadedMm = new Array<MmStruct | null>(nrCpus).fill(null);
    this.isLazy = new Uint8Array(nrCpus);
  }

  /**
   * context_switch() to a user task of `next`: leaving lazy mode or switching mm. The mm_cpumask
   * bit of the old mm is cleared only when the switch really changes mm (x86 switch_mm_irqs_off
   * clears prev's bit; a CPU that was lazy in `next` simply stops being lazy, spec §2.3 item 4).
   */
  switchTo(arch: LinuxArch, cpu: number, next: MmStruct): void {
    const prev = this.loadedMm[cpu] ?? null;
    this.isLazy[cpu] = 0;
    if (prev === next) {
      arch.tlb.switchMm(cpu, prev, next);
      return;
    }
    if (prev) prev.cpumask[cpu] = 0;
    next.cpumask[cpu] = 1;
    this.loadedMm[cpu] = next;
    arch.tlb.switchMm(cpu, prev, next);
  }

  /** context_switch() to a kernel thread: enter_lazy_tlb keeps the old mm loaded. */
  enterLazy(arch: LinuxArch, cpu: number): void {
    const mm = this.loadedMm[cpu] ?? null;
    if (mm) this.isLazy[cpu] = 1;
    arch.tlb.enterLazyTlb(cpu, mm);
  }

  /**
   * The lazy CPU gave `mm` up (x86 flush_tlb_func on a lazy CPU switches to init_mm, spec §2.3
   * item 4; also exit_mmap's final switch). Called by the arch.
   */
  leaveMm(cpu: number, mm: MmStruct): void {
    if (this.loadedMm[cpu] !== mm) return;
    mm.cpumask[cpu] = 0;
    this.loadedMm[cpu] = null;
    this.isLazy[cpu] = 0;
  }
}
