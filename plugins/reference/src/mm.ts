// Page-level work on a process's address space: demand faults, zapping a range through the gather,
// freeing emptied page tables, changing protections — each change followed by the full flush.
import { PROT_EXEC, PROT_READ, PROT_WRITE, type OpReport, type Pfn, type Va } from '@shootdown/core';
import { Access, Pte, type AccessKind } from '@shootdown/mmu';
import { ReferenceGather } from './gather.js';
import type { ReferenceOs } from './os.js';
import { userFlags, type Process, type Vma } from './process.js';

const PMD = 2 * 1024 * 1024;
const PUD = 1024 * 1024 * 1024;
const P4D = 512 * 1024 * 1024 * 1024;

export class ReferenceMm {
  /** Mappings per data frame (shared mappings and fork share frames); freed when it drops to 0. */
  readonly mapCount: Uint16Array;
  /** Frames a driver owns (pfnmap): never freed by an unmap. */
  readonly driverOwned: Uint8Array;

  constructor(readonly os: ReferenceOs) {
    // Per-frame arrays from the machine's lease: recycled with the machine's own from run to run.
    this.mapCount = os.m.lease.take(Uint16Array, os.m.frames.count);
    this.driverOwned = os.m.lease.take(Uint8Array, os.m.frames.count);
  }

  /** Map `pfn` at `va` (4 KiB) with the VMA's flags; a new leaf where none was needs no flush. */
  install(cpu: number, p: Process, va: Va, pfn: Pfn, v: Vma): void {
    const m = this.os.m;
    m.ensurePath(p.space, va, 1, () => this.os.allocTable(cpu));
    const cur = m.lookup(p.space, va);
    m.setLeaf(p.space, va, 1, pfn, userFlags(v));
    this.mapCount[pfn]!++;
    if (cur.present) this.os.flushAll(cpu);
  }

  /** Demand paging / swap-in (Linux `handle_mm_fault`): `ok` when resolved, else the fault. */
  fault(cpu: number, p: Process, va: Va, kind: AccessKind): OpReport {
    this.os.m.charge('fault'); // shared work (spec linux.md §7.4): every user fault, resolved or not
    const page = va - (va % 4096);
    const v = p.vmaAt(page);
    if (v === undefined) return { outcome: 'fault:not-present' };
    const need = kind === Access.WRITE ? PROT_WRITE : kind === Access.EXEC ? PROT_EXEC : PROT_READ;
    if ((v.prot & need) === 0) {
      return {
        outcome: kind === Access.WRITE ? 'fault:write' : kind === Access.EXEC ? 'fault:exec' : 'fault:read',
      };
    }
    if (this.os.m.lookup(p.space, page).present) return { outcome: 'ok' };
    const pfn = this.os.allocData();
    if (pfn < 0) return { outcome: 'error:ENOMEM' };
    this.os.m.charge(p.swapped.delete(page) ? 'copy_page' : 'zero_page');
    this.install(cpu, p, page, pfn, v);
    return { outcome: 'ok' };
  }

  /** Clear every present leaf in [start, end), flush, free — optionally freeing emptied tables. */
  zap(cpu: number, p: Process, start: Va, end: Va, freeTables: boolean, keepFrames = false): Pfn[] {
    const m = this.os.m;
    const gather = new ReferenceGather(this.os, (pfn) => this.#unref(pfn, keepFrames));
    gather.begin(cpu, false);
    const cleared: Pfn[] = [];
    for (const v of p.vmas.length > 0 ? p.vmas : []) {
      if (v.end <= start || v.start >= end) continue;
      gather.startVma({
        start: v.start,
        end: v.end,
        exec: (v.prot & PROT_EXEC) !== 0,
        huge: false,
        pfnmap: v.pfnmap,
      });
    }
    for (let va = start; va < end; va += 4096) {
      const cur = m.lookup(p.space, va);
      if (!cur.present) continue;
      m.clearEntry(p.space, va, 1);
      cleared.push(cur.pfn);
      gather.noteCleared(va, 'pte', cur.pfn);
    }
    this.os.reach('cleared');
    if (freeTables) this.#freeEmptyTables(p, start, end, gather);
    this.os.reach('unlinked');
    gather.finish();
    return cleared;
  }

  /**
   * Change the leaves of [start, end) to their VMA's current flags in two flushed steps: first take away
   * what goes (write, exec), then add what comes — so no CPU can ever hold a writable translation of a
   * frame while another may execute it (the order Linux module loading keeps: ro, then x).
   */
  reprotect(cpu: number, p: Process, start: Va, end: Va): void {
    const m = this.os.m;
    const RIGHTS = Pte.WRITABLE | Pte.XUSER | Pte.XKERNEL;
    const pages: [Va, number, number, number][] = [];
    for (let va = start; va < end; va += 4096) {
      const cur = m.lookup(p.space, va);
      const v = p.vmaAt(va);
      if (!cur.present || v === undefined) continue;
      const want = userFlags(v);
      const old = cur.flags & ~(Pte.ACCESSED | Pte.DIRTY);
      if (old !== want) pages.push([va, cur.pfn, old, want]);
    }
    if (pages.length === 0) return;
    let removed = false;
    for (const [va, pfn, old, want] of pages) {
      const narrow = (want & ~RIGHTS) | (old & want & RIGHTS);
      if (narrow !== old) {
        m.setLeaf(p.space, va, 1, pfn, narrow);
        removed = true;
      }
    }
    if (removed) {
      // The scenario's interleave points of a protection change: narrowed, then flushed.
      this.os.reach('cleared');
      this.os.flushAll(cpu);
      this.os.reach('flushed');
    }
    let added = false;
    for (const [va, pfn, old, want] of pages) {
      if (((want & ~RIGHTS) | (old & want & RIGHTS)) !== want) {
        m.setLeaf(p.space, va, 1, pfn, want);
        added = true;
      }
    }
    if (added) this.os.flushAll(cpu);
  }

  #unref(pfn: Pfn, keep: boolean): boolean {
    if (this.mapCount[pfn]! > 0) this.mapCount[pfn]!--;
    return !keep && this.driverOwned[pfn] === 0 && this.mapCount[pfn] === 0;
  }

  /** `free_pgtables`: unlink tables left without entries, bottom up (never the root). */
  #freeEmptyTables(p: Process, start: Va, end: Va, gather: ReferenceGather): void {
    const m = this.os.m;
    const levels: [number, number, 'pmd' | 'pud' | 'p4d'][] = [
      [PMD, 2, 'pmd'],
      [PUD, 3, 'pud'],
      [P4D, 4, 'p4d'],
    ];
    for (const [size, level, name] of levels) {
      for (let base = start - (start % size); base < end; base += size) {
        const path = m.lookup(p.space, base).tables;
        const table = path[5 - level]; // the table this level's entry points at
        if (path.length < 6 - level || table === undefined) continue;
        const slot = m.tables.slotOf[table]!;
        if (slot < 0 || m.tables.slotUsed[slot] !== 0) continue;
        m.clearEntry(p.space, base, level as 2 | 3 | 4);
        gather.noteFreedTable(base, name, table);
      }
    }
  }
}
