// One process of the reference kernel: its address space (VMAs over one MMU space) and its threads'
// key rights. Keys are VMA attributes, as in Linux (`vma_pkey`): they live and die with the mapping.
import { PROT_EXEC, PROT_WRITE, type Pid, type Prot, type Va } from '@shootdown/core';
import { Pte } from '@shootdown/mmu';
import { INIT_PKRU } from './pkru.js';

export interface Vma {
  start: Va;
  end: Va;
  prot: Prot;
  key: number;
  readonly pfnmap: boolean;
  readonly shared: boolean;
}

export type ProcessState = 'alive' | 'killed' | 'exited';

export class Process {
  vmas: Vma[] = [];
  state: ProcessState = 'alive';
  /** Allocated protection keys (key 0 is always allocated, Linux `mm_pkey_alloc`). */
  keys = new Set<number>([0]);
  /** Pages reclaimed by swap-out: their next fault swaps them in. */
  readonly swapped = new Set<Va>();
  /** PKRU a new thread of this process starts with (inherited at fork, reset at exec). */
  threadTemplate = INIT_PKRU;

  constructor(
    readonly pid: Pid,
    public space: number,
  ) {}

  vmaAt(va: Va): Vma | undefined {
    for (const v of this.vmas) if (va >= v.start && va < v.end) return v;
    return undefined;
  }

  overlaps(start: Va, end: Va): boolean {
    return this.vmas.some((v) => v.start < end && v.end > start);
  }

  /** Cut [start, end) out of the VMA list (munmap's split, `__split_vma`); returns the removed pieces. */
  carve(start: Va, end: Va): Vma[] {
    const kept: Vma[] = [];
    const removed: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) {
        kept.push(v);
        continue;
      }
      if (v.start < start) kept.push({ ...v, end: start });
      if (v.end > end) kept.push({ ...v, start: end });
      removed.push({ ...v, start: Math.max(v.start, start), end: Math.min(v.end, end) });
    }
    this.vmas = kept.sort((a, b) => a.start - b.start);
    return removed;
  }

  /** Apply `change` to the parts of VMAs inside [start, end), splitting at the edges. */
  modify(start: Va, end: Va, change: (v: Vma) => void): void {
    const pieces = this.carve(start, end);
    for (const p of pieces) change(p);
    this.vmas = [...this.vmas, ...pieces].sort((a, b) => a.start - b.start);
  }

  /** Lowest free gap of `bytes` at or above `from`, aligned. */
  findGap(bytes: number, from: Va, align: number): Va {
    let at = Math.ceil(from / align) * align;
    for (const v of this.vmas) {
      if (v.end <= at) continue;
      if (v.start >= at + bytes) break;
      at = Math.ceil(v.end / align) * align;
    }
    return at;
  }
}

/** The user leaf flags a VMA gives its pages (x86: present implies readable; NX unless PROT_EXEC). */
export function userFlags(v: Vma): number {
  let f = Pte.PRESENT | Pte.USER | (v.key << Pte.KEY_SHIFT);
  if ((v.prot & PROT_WRITE) !== 0) f |= Pte.WRITABLE;
  if ((v.prot & PROT_EXEC) !== 0) f |= Pte.XUSER;
  return f;
}
