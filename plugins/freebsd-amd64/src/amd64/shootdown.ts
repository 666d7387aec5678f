// amd64 TLB shootdown for user pmaps (sys/amd64/amd64/pmap.c: pmap_invalidate_page, pmap_invalidate_range,
// pmap_invalidate_all, pmap_invalidate_preipi_pcid, and sys/x86/x86/mp_x86.c smp_targeted_tlb_shootdown).
// spec freebsd-amd64.md §7.1 and §7.3: with PCID, every CPU other than the initiator (all of them when the
// pmap is not current on the initiator) loses its PCID generation, so its next activation of the pmap flushes
// the whole address space; only CPUs in pm_active get an IPI. Without PCID, inactive CPUs are ignored because
// their next CR3 load flushes non-global entries anyway.
import type { Counters } from '@shootdown/core';
import { PMAP_INVLPG_THRESHOLD_PAGES } from '../constants.js';
import type { Amd64Hw } from './hw.js';

/** Per-pmap state the shootdown needs: which CPUs have it active, and per-CPU PCID generation validity. */
export interface ShootdownTarget {
  readonly space: number;
  /** pm_active: 1 where the pmap is the CPU's current user pmap. */
  readonly active: Uint8Array;
  /** pm_pcidp[cpu].pm_gen != 0: the CPU's PCID for this pmap still holds valid (flushed-as-needed) entries. */
  readonly pcidValid: Uint8Array;
}

export const FREEBSD_COUNTERS = [
  { name: 'freebsd.invalidate_page', description: 'pmap_invalidate_page calls (one VA, INVLPG)' },
  {
    name: 'freebsd.invalidate_range',
    description: 'pmap_invalidate_range calls below PMAP_INVLPG_THRESHOLD (per-page INVLPG)',
  },
  {
    name: 'freebsd.invalidate_all',
    description: 'pmap_invalidate_all calls, including ranges escalated at PMAP_INVLPG_THRESHOLD',
  },
  {
    name: 'freebsd.di_wait',
    description: 'frees that waited for a delayed-invalidation block (pmap_delayed_invl_wait)',
  },
] as const;

export class Shootdown {
  constructor(
    private readonly hw: Amd64Hw,
    private readonly counters: Counters,
  ) {}

  /** pmap_invalidate_page. */
  page(cpu: number, t: ShootdownTarget, va: number): void {
    this.counters.add('kflush');
    this.counters.add('freebsd.invalidate_page');
    this.preIpi(cpu, t);
    const hw = this.hw;
    hw.ipi(cpu, this.targets(t), (c) => hw.invlpg(c, va));
  }

  /** pmap_invalidate_range: per-page INVLPG, escalating to pmap_invalidate_all at PMAP_INVLPG_THRESHOLD. */
  range(cpu: number, t: ShootdownTarget, startPage: number, endPage: number): void {
    if (endPage - startPage >= PMAP_INVLPG_THRESHOLD_PAGES) {
      this.all(cpu, t);
      return;
    }
    this.counters.add('kflush');
    this.counters.add('freebsd.invalidate_range');
    this.preIpi(cpu, t);
    const hw = this.hw;
    hw.ipi(cpu, this.targets(t), (c) => {
      for (let p = startPage; p < endPage; p++) hw.invlpg(c, p * 4096);
    });
  }

  /** pmap_invalidate_all: INVPCID single-context (or CR3 reload) where active. */
  all(cpu: number, t: ShootdownTarget): void {
    this.counters.add('kflush');
    this.counters.add('freebsd.invalidate_all');
    this.preIpi(cpu, t);
    const hw = this.hw;
    hw.ipi(cpu, this.targets(t), (c) => hw.invalidateSpace(c, t.space));
  }

  /**
   * pmap_invalidate_range(kernel_pmap, sva, eva): kernel entries are global and every CPU may hold them, so
   * pmap_invalidate_cpu_mask() is all_cpus and no PCID generation is touched; below PMAP_INVLPG_THRESHOLD each
   * CPU runs INVLPG per page (pmap_invalidate_range_curcpu_cb), at it pmap_invalidate_all(kernel_pmap), whose
   * callback is invltlb_glob() (sys/amd64/amd64/pmap.c).
   */
  kernelRange(cpu: number, startPage: number, endPage: number): void {
    const hw = this.hw;
    const all: number[] = [];
    for (let c = 0; c < hw.cpus; c++) all.push(c);
    this.counters.add('kflush');
    if (endPage - startPage >= PMAP_INVLPG_THRESHOLD_PAGES) {
      this.counters.add('freebsd.invalidate_all');
      hw.ipi(cpu, all, (c) => hw.invalidateGlobal(c));
      return;
    }
    this.counters.add('freebsd.invalidate_range');
    hw.ipi(cpu, all, (c) => {
      for (let p = startPage; p < endPage; p++) hw.invlpg(c, p * 4096);
    });
  }

  /** smp_targeted_tlb_shootdown's mask: the CPUs with the pmap in pm_active (the initiator runs its share). */
  private targets(t: ShootdownTarget): number[] {
    const out: number[] = [];
    for (let c = 0; c < this.hw.cpus; c++) if (t.active[c] === 1) out.push(c);
    return out;
  }

  /** pmap_invalidate_preipi_pcid: zero pm_gen everywhere but on the initiator when the pmap is current there. */
  private preIpi(cpu: number, t: ShootdownTarget): void {
    if (!this.hw.pcid) return;
    const keep = t.active[cpu] === 1 ? cpu : -1;
    for (let c = 0; c < this.hw.cpus; c++) if (c !== keep) t.pcidValid[c] = 0;
  }
}
