// The arm64 TLB hooks for linux-mm (TlbArch), on the simulated MMU. Every invalidation is an Inner Shareable
// TLBI completed by a DSB: no IPI is ever sent for TLB maintenance (spec arm64-pkey.md §7.2, linux.md §5.4).
import type { Machine, TlbiOp as HwTlbiOp } from '@shootdown/mmu';
import { TLB_FLUSH_ALL, type MmStruct, type MmuGather, type TlbArch } from '@shootdown/linux-mm';
import { arm64TlbFlush } from '../tlb-gather.js';
import {
  flushTlbAll,
  flushTlbKernelRange,
  flushTlbMm,
  flushTlbRange,
  type DsbDomain,
  type TlbiOp,
  type TlbiPort,
} from '../tlbflush.js';

const HW_OP: Readonly<Record<TlbiOp, HwTlbiOp>> = {
  vale1is: 'VALE1',
  vae1is: 'VAE1',
  vaale1is: 'VAALE1',
  vaae1is: 'VAAE1',
  aside1is: 'ASIDE1',
  vmalle1is: 'VMALLE1',
};

/** Binds the flush routines' instructions to the machine; `kflush` is an operation-level counter. */
export class MachineTlbiPort implements TlbiPort {
  constructor(private readonly machine: Machine) {}
  tlbi(cpu: number, op: TlbiOp, asid: number, va: number): void {
    this.machine.tlbi(cpu, HW_OP[op], { va, asid, broadcast: true });
  }
  dsb(cpu: number, _domain: DsbDomain): void {
    this.machine.dsb(cpu);
  }
  isb(_cpu: number): void {
    // ISB only resynchronises the local pipeline; the MMU model has no fetched-ahead state to discard.
  }
  countFlush(): void {
    this.machine.count('kflush');
  }
}

export class Arm64Tlb implements TlbArch {
  constructor(
    private readonly machine: Machine,
    private readonly port: TlbiPort,
    /** The ASID of an mm (its MMU space's tag). */
    private readonly asidOf: (mm: MmStruct) => number,
    private readonly spaceOf: (mm: MmStruct) => number,
  ) {}

  tlbFlush(cpu: number, tlb: MmuGather): void {
    arm64TlbFlush(this.port, cpu, this.asidOf(tlb.mm), tlb);
  }

  flushTlbMmRange(
    cpu: number,
    mm: MmStruct,
    start: number,
    end: number,
    strideShift: number,
    freedTables: boolean,
  ): void {
    if (end === TLB_FLUSH_ALL) {
      flushTlbMm(this.port, cpu, this.asidOf(mm));
      return;
    }
    flushTlbRange(this.port, cpu, this.asidOf(mm), start, end, 2 ** strideShift, !freedTables);
  }

  /** flush_tlb_range(): never leaf-only, "since we may be invalidating table entries" (tlbflush.h). */
  flushTlbRange(cpu: number, mm: MmStruct, _vmFlags: number, start: number, end: number): void {
    flushTlbRange(this.port, cpu, this.asidOf(mm), start, end, 4096, false);
  }

  flushTlbMm(cpu: number, mm: MmStruct): void {
    flushTlbMm(this.port, cpu, this.asidOf(mm));
  }

  flushTlbKernelRange(cpu: number, start: number, end: number): void {
    if (end === TLB_FLUSH_ALL) flushTlbAll(this.port, cpu);
    else flushTlbKernelRange(this.port, cpu, start, end);
  }

  /** arm64 has no local-only shortcut that is safe for a global mapping: a broadcast flush of everything. */
  mermapFlushTlb(cpu: number): void {
    flushTlbAll(this.port, cpu);
  }

  /** check_and_switch_context() → cpu_switch_mm(): TTBR0_EL1 with the mm's ASID, never a flush. */
  switchMm(cpu: number, _prev: MmStruct | null, next: MmStruct): void {
    if (next.id === 0) return;
    this.machine.setRoot(cpu, this.spaceOf(next));
  }

  /** enter_lazy_tlb() is empty on arm64. */
  enterLazyTlb(): void {}
}
