// The linear map's stores on the simulated MMU: the kernel space's entries at PAGE_OFFSET + pfn * 4 KiB.
import { LEVEL_SIZE, Pte, type LeafLevel, type Level, type Machine } from '@shootdown/mmu';
import type { LinearMapHw } from '../linear-map.js';
import { HW_PAGE_KERNEL, withKey } from './entry.js';
import type { MachineTlbiPort } from './tlb.js';
import type { DsbDomain, TlbiOp } from '../tlbflush.js';

export class MachineLinearMapHw implements LinearMapHw {
  constructor(
    private readonly machine: Machine,
    private readonly port: MachineTlbiPort,
    private readonly kernelSpace: () => number,
  ) {}

  private base(level: number, pfn: number): number {
    const va = this.machine.directMapVa(pfn);
    const size = LEVEL_SIZE[level as Level];
    return va - (va % size);
  }

  setLeafKey(_cpu: number, level: number, pfn: number, key: number): void {
    const space = this.kernelSpace();
    const va = this.base(level, pfn);
    const e = this.machine.readEntry(space, va, level as Level);
    if (!e.present || e.table) return;
    this.machine.setLeaf(space, va, level as LeafLevel, e.pfn, withKey(e.flags, key));
  }

  installTable(_cpu: number, level: number, pfn: number, table: number): void {
    const space = this.kernelSpace();
    const va = this.base(level, pfn);
    const e = this.machine.readEntry(space, va, level as Level);
    if (!e.present || e.table)
      throw new Error(`arm64-pkey: no block maps linear-map frame ${pfn} at level ${level}`);
    // FEAT_BBM level 2 without conflict aborts: the equivalent table replaces the block in one store.
    this.machine.splitLeaf(space, va, table);
  }

  directMapVa(pfn: number): number {
    return this.machine.directMapVa(pfn);
  }

  updatePte(_cpu: number, pfn: number, set: number, clear: number): void {
    const space = this.kernelSpace();
    const va = this.machine.directMapVa(pfn);
    const e = this.machine.readEntry(space, va, 1);
    // A cleared linear-map PTE keeps nothing; restoring rebuilds PAGE_KERNEL with the frame's own output.
    const flags = ((e.present ? e.flags : HW_PAGE_KERNEL) | set) & ~clear;
    if ((flags & Pte.PRESENT) === 0) this.machine.clearEntry(space, va, 1);
    else this.machine.setLeaf(space, va, 1, pfn, flags);
  }

  tlbi(cpu: number, op: TlbiOp, asid: number, va: number): void {
    this.port.tlbi(cpu, op, asid, va);
  }
  dsb(cpu: number, domain: DsbDomain): void {
    this.port.dsb(cpu, domain);
  }
  isb(cpu: number): void {
    this.port.isb(cpu);
  }
  countFlush(): void {
    this.port.countFlush();
  }
}
