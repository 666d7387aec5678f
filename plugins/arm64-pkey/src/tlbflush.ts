// arm64 TLB maintenance as Linux issues it (arch/arm64/include/asm/tlbflush.h). Every routine follows the
// header's template: DSB ISHST (table stores visible to walkers) → TLBI …IS (broadcast by hardware to the
// Inner Shareable domain, so no IPI is ever sent) → DSB ISH (wait for completion everywhere) → ISB when kernel
// mappings changed. One call of a routine is one `kflush` (spec linux.md §1.1); each TLBI is counted by the
// hardware under its own counter (`tlbi_leaf`, `tlbi_all_levels`, `tlbi_asid`).
import { MAX_DVM_OPS, PAGE_SIZE } from './constants.js';

/** The TLBI forms Linux uses on arm64 (spec arm64-pkey.md §7.2). */
export type TlbiOp =
  | 'vale1is' // by VA + ASID, last level only: walk-cache entries survive
  | 'vae1is' // by VA + ASID, all levels incl. walk cache
  | 'vaale1is' // by VA, all ASIDs, last level only
  | 'vaae1is' // by VA, all ASIDs, all levels
  | 'aside1is' // everything tagged with the ASID
  | 'vmalle1is'; // everything at EL1&0

export type DsbDomain = 'ish' | 'ishst' | 'nsh' | 'nshst';

/** The instructions a flush routine needs; the plug-in binds it to the simulated MMU. */
export interface TlbiPort {
  /** Issues one TLBI from `cpu`; `va` is a byte address (ignored by ASID / all forms). */
  tlbi(cpu: number, op: TlbiOp, asid: number, va: number): void;
  dsb(cpu: number, domain: DsbDomain): void;
  isb(cpu: number): void;
  /** Counts one shootdown operation (`kflush`). */
  countFlush(): void;
}

/** flush_tlb_all(): VMALLE1IS — every entry, kernel and user, on every CPU. */
export function flushTlbAll(port: TlbiPort, cpu: number): void {
  port.countFlush();
  port.dsb(cpu, 'ishst');
  port.tlbi(cpu, 'vmalle1is', 0, 0);
  port.dsb(cpu, 'ish');
  port.isb(cpu);
}

/** flush_tlb_mm(): ASIDE1IS — every entry of the address space, walk caches included. */
export function flushTlbMm(port: TlbiPort, cpu: number, asid: number): void {
  port.countFlush();
  port.dsb(cpu, 'ishst');
  port.tlbi(cpu, 'aside1is', asid, 0);
  port.dsb(cpu, 'ish');
}

/**
 * __flush_tlb_range(vma, start, end, stride, last_level): per stride VALE1IS when `lastLevel` (no table was
 * freed, walk caches may stay), VAE1IS otherwise; at MAX_DVM_OPS strides or more (and no FEAT_TLBIRANGE, which the
 * simulated machine lacks) it falls back to flush_tlb_mm. The comparison is `>=` here and `>` for the kernel
 * range below, as in the source.
 */
export function flushTlbRange(
  port: TlbiPort,
  cpu: number,
  asid: number,
  start: number,
  end: number,
  stride: number,
  lastLevel: boolean,
): void {
  const s = Math.floor(start / stride) * stride;
  const e = Math.ceil(end / stride) * stride;
  if (e <= s) return;
  if (e - s >= MAX_DVM_OPS * stride) {
    flushTlbMm(port, cpu, asid);
    return;
  }
  port.countFlush();
  port.dsb(cpu, 'ishst');
  const op: TlbiOp = lastLevel ? 'vale1is' : 'vae1is';
  for (let va = s; va < e; va += stride) port.tlbi(cpu, op, asid, va);
  port.dsb(cpu, 'ish');
}

/**
 * flush_tlb_kernel_range(start, end): per page VAALE1IS (leaf only, every ASID) since 6899a4c82faf "arm64: tlb:
 * Use last-level invalidation in flush_tlb_kernel_range()"; above MAX_DVM_OPS pages, flush_tlb_all.
 */
export function flushTlbKernelRange(port: TlbiPort, cpu: number, start: number, end: number): void {
  if (end <= start) return;
  if (end - start > MAX_DVM_OPS * PAGE_SIZE) {
    flushTlbAll(port, cpu);
    return;
  }
  port.countFlush();
  port.dsb(cpu, 'ishst');
  for (let va = start; va < end; va += PAGE_SIZE) port.tlbi(cpu, 'vaale1is', 0, va);
  port.dsb(cpu, 'ish');
  port.isb(cpu);
}

/**
 * __flush_tlb_kernel_pgtable(kaddr): one VAAE1IS so that walk-cache entries for an intermediate kernel table
 * that changed (a block replaced by a table, a table freed) are dropped too.
 */
export function flushTlbKernelPgtable(port: TlbiPort, cpu: number, kaddr: number): void {
  port.countFlush();
  port.dsb(cpu, 'ishst');
  port.tlbi(cpu, 'vaae1is', 0, kaddr);
  port.dsb(cpu, 'ish');
  port.isb(cpu);
}
