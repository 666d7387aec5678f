// The reference vmalloc: map backing frames at a fresh kernel address, keep the linear-map alias in step
// with the vmalloc alias (never writable where the other is executable, as x86 CPA does for aliases
// with `cpa_process_alias`), reset everything and flush before freeing (VM_FLUSH_RESET_PERMS, always).
import {
  PROT_EXEC,
  PROT_WRITE,
  type KallocFlag,
  type KallocHints,
  type KallocReport,
  type KernelAlias,
  type KernelMemory,
  type OpReport,
  type Pfn,
  type Prot,
  type Va,
} from '@shootdown/core';
import { Pte } from '@shootdown/mmu';
import { DM_DEFAULT, type ReferenceOs } from './os.js';

interface Area {
  readonly start: Va;
  readonly frames: Pfn[];
}

function kernelFlags(prot: Prot): number {
  let f = Pte.PRESENT | Pte.GLOBAL;
  if ((prot & PROT_WRITE) !== 0) f |= Pte.WRITABLE;
  if ((prot & PROT_EXEC) !== 0) f |= Pte.XKERNEL;
  return f;
}

export class ReferenceKernelMemory implements KernelMemory {
  readonly #areas = new Map<Va, Area>();
  #next: Va;

  constructor(readonly os: ReferenceOs) {
    this.#next = os.m.arch.layout.vmallocBase;
  }

  allocate(
    cpu: number,
    pages: number,
    flags: readonly KallocFlag[],
    reuse?: readonly Pfn[],
    hints?: KallocHints,
  ): KallocReport {
    const m = this.os.m;
    const start = this.#next;
    const frames: Pfn[] = [];
    for (let i = 0; i < pages; i++) {
      const p = this.os.allocData(reuse?.[i]);
      if (p < 0) return { outcome: 'error:ENOMEM' };
      frames.push(p);
      m.ensurePath(this.os.kernelSpace, start + i * 4096, 1, () => this.os.allocTable(cpu));
      m.setLeaf(this.os.kernelSpace, start + i * 4096, 1, p, kernelFlags(PROT_WRITE));
    }
    // A guard page after each area (vmalloc's default), unless asked not to.
    this.#next = start + (pages + (flags.includes('no-guard') ? 0 : 1)) * 4096;
    this.#areas.set(start, { start, frames });
    // The reference always resets and flushes before freeing: it has no VM_IMMEDIATE_UNMAP to choose by.
    const ignored: string[] = flags.filter((f) => f === 'huge');
    if (hints?.immediate !== undefined) ignored.push('immediate');
    return ignored.length > 0 ? { outcome: 'ok', start, frames, ignored } : { outcome: 'ok', start, frames };
  }

  protect(cpu: number, start: Va, pages: number, prot: Prot, via: KernelAlias, flush: boolean): OpReport {
    const m = this.os.m;
    const dmPfn = m.directMapPfn(start);
    const area = this.#areaOf(start);
    const frames: Pfn[] = [];
    for (let i = 0; i < pages; i++) {
      const pfn =
        dmPfn >= 0 ? dmPfn + i : area === undefined ? -1 : area.frames[(start - area.start) / 4096 + i];
      if (pfn === undefined || pfn < 0) return { outcome: 'error:EINVAL' };
      frames.push(pfn);
    }
    // Target entries of both aliases; the linear map is never executable.
    const ownAlias = via === 'own' && dmPfn < 0;
    const targets: [Va, Pfn, number | null][] = [];
    for (let i = 0; i < pages; i++) {
      const pfn = frames[i]!;
      const dmVa = m.directMapVa(pfn);
      if (ownAlias) {
        targets.push([start + i * 4096, pfn, kernelFlags(prot)]);
        // The other alias follows: read-only whenever this one is executable or read-only.
        const ro = (prot & PROT_EXEC) !== 0 || (prot & PROT_WRITE) === 0;
        targets.push([dmVa, pfn, ro ? Pte.PRESENT | Pte.GLOBAL : DM_DEFAULT]);
      } else {
        targets.push([dmVa, pfn, (prot & ~PROT_EXEC) === 0 ? null : kernelFlags(prot & ~PROT_EXEC)]);
      }
    }
    this.#apply(cpu, targets);
    // The reference flushes every change (a `_noflush` request is not honoured) and never makes the
    // linear map executable — both visibly.
    const ignored: string[] = [];
    if (!flush) ignored.push('noflush');
    if ((via === 'direct-map' || dmPfn >= 0) && (prot & PROT_EXEC) !== 0) ignored.push('exec');
    return ignored.length === 0 ? { outcome: 'ok' } : { outcome: 'ok', ignored };
  }

  free(cpu: number, start: Va): OpReport {
    const area = this.#areas.get(start);
    if (area === undefined) return { outcome: 'error:EINVAL' };
    const m = this.os.m;
    // vm_reset_perms, the safe way round: the vmalloc alias goes (flushed) before the linear-map alias
    // becomes writable again (flushed), and only then are the frames freed.
    const targets: [Va, Pfn, number | null][] = area.frames.map((pfn, i) => [start + i * 4096, pfn, null]);
    this.#apply(cpu, [
      ...targets,
      ...area.frames.map((pfn): [Va, Pfn, number | null] => [m.directMapVa(pfn), pfn, DM_DEFAULT]),
    ]);
    this.#areas.delete(start);
    this.os.releaseFlushed(cpu, area.frames, []);
    return { outcome: 'ok' };
  }

  /**
   * Move entries to their targets in two flushed steps — first everything that loses a right, then
   * everything that gains one — so that no moment exists where one alias is writable while another
   * may still be executable (stale entries included).
   */
  #apply(cpu: number, targets: readonly [Va, Pfn, number | null][]): void {
    const m = this.os.m;
    const space = this.os.kernelSpace;
    const RIGHTS = Pte.WRITABLE | Pte.XKERNEL;
    const current = targets.map(([va]) => {
      const e = m.lookup(space, va);
      return e.present ? e.flags & ~(Pte.ACCESSED | Pte.DIRTY) : null;
    });
    let changed = false;
    targets.forEach(([va, pfn, want], i) => {
      const old = current[i]!;
      if (old === null) return;
      if (want === null) {
        m.clearEntry(space, va, 1);
        changed = true;
        return;
      }
      const narrow = (want & ~RIGHTS) | (old & want & RIGHTS);
      if (narrow !== old) {
        m.setLeaf(space, va, 1, pfn, narrow);
        changed = true;
      }
    });
    if (changed) this.os.flushAll(cpu);
    changed = false;
    targets.forEach(([va, pfn, want]) => {
      if (want === null) return;
      const e = m.lookup(space, va);
      if (!e.present || (e.flags & ~(Pte.ACCESSED | Pte.DIRTY)) !== want) {
        m.setLeaf(space, va, 1, pfn, want);
        changed = true;
      }
    });
    if (changed) this.os.flushAll(cpu);
  }

  drain(_cpu: number): OpReport {
    return { outcome: 'ok' }; // nothing is ever deferred
  }

  #areaOf(va: Va): Area | undefined {
    for (const a of this.#areas.values())
      if (va >= a.start && va < a.start + a.frames.length * 4096) return a;
    return undefined;
  }
}
