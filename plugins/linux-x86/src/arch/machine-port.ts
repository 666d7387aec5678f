// The x86 port bound to the simulated MMU (`Machine` of @shootdown/mmu). PCIDs: the MMU tags each address
// space with its own fixed PCID, so the per-CPU dynamic ASID slots of arch/x86/mm/tlb.c are bookkeeping
// that decides *when* a CR3 write must flush; the tag itself is the space's.
import { Invpcid, type Machine } from '@shootdown/mmu';
import { SIDE_DATA, SIDE_INSTR, type X86Port } from './port.js';

export class MachinePort implements X86Port {
  readonly nrCpus: number;
  private readonly hasInvlpgb: boolean;

  constructor(
    private readonly machine: Machine,
    /** The MMU space whose root is `root` (a pgd frame). */
    private readonly spaceOfRoot: (root: number) => number,
  ) {
    this.nrCpus = machine.cpus;
    this.hasInvlpgb = machine.params.features.invlpgb;
  }

  invlpg(cpu: number, va: number): void {
    this.machine.invlpg(cpu, va);
  }

  invlpgRangeSide(cpu: number, start: number, end: number, stride: number, sides: number): void {
    const side = sides === SIDE_DATA ? 'data' : sides === SIDE_INSTR ? 'instr' : 'both';
    this.machine.flushRangeSide(cpu, start, end, stride, side);
  }

  flushAllGlobal(cpu: number): void {
    this.machine.flushGlobal(cpu);
  }

  /** local_flush_tlb() with PCID: INVPCID single-context of the current PCID (counted `full`). */
  flushLocal(cpu: number): void {
    const space = this.machine.currentSpace(cpu);
    const pcid = space >= 0 ? this.machine.asidOf(space) : 0;
    this.machine.invpcid(cpu, Invpcid.SINGLE_CONTEXT, pcid);
  }

  reloadCr3(cpu: number): void {
    const space = this.machine.currentSpace(cpu);
    this.machine.setRoot(cpu, space >= 0 ? space : this.machine.kernelSpace);
  }

  loadCr3(cpu: number, root: number, _pcid: number, flush: boolean): void {
    this.machine.setRoot(cpu, this.spaceOfRoot(root), { noflush: !flush });
  }

  onEachCpu(from: number, cpus: readonly number[] | 'all', func: (cpu: number) => void): void {
    // The MMU's IPI round is on_each_cpu's: sends, handlers on the targets, the sender's own share run in
    // parallel with them, the wait for every acknowledgement (spec linux.md §7.4).
    this.machine.ipi(from, cpus, func);
  }

  invlpgOnEachCpu(from: number, va: number, pages: number): void {
    this.machine.ipiInvlpg(from, va, pages);
  }

  /**
   * INVLPGB when the machine has it; otherwise the broadcast is emulated by the same invalidation on every
   * CPU with no interrupt (the `arm64-tlbi` comparison model and `x86-invlpgb` on a machine without the
   * feature), still counted once per broadcast as `invlpgb`.
   */
  invlpgb(cpu: number, va: number, pages: number, all: boolean): void {
    const m = this.machine;
    if (this.hasInvlpgb) {
      m.invlpgb(cpu, va, all ? 0 : pages, 0, true);
      return;
    }
    m.count('invlpgb');
    for (let c = 0; c < m.cpus; c++) {
      if (all) m.flushGlobal(c);
      else for (let i = 0; i < pages; i++) m.invlpg(c, va + i * 4096);
    }
  }

  tlbsync(cpu: number): void {
    if (this.hasInvlpgb) this.machine.tlbsync(cpu);
  }

  count(name: string, n = 1): void {
    this.machine.count(name, n);
  }
}
