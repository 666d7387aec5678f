// The x86 instructions the Linux arch code issues, as one narrow port. The plug-in binds it to the
// simulated MMU (`machine-port.ts`); tests may bind it to a recorder. Every method is one instruction or
// one interrupt on one CPU, so the hardware counts `invlpg`, `full` and `ipi` itself; the operation-level
// counters (`kflush`, `lflush`, `split`, `spurious`, `ptalloc`) are the OS's and go through `count`.

/** Which TLB side an invalidation targets on a split instruction/data TLB (spec linux.md §5.5). */
export const SIDE_DATA = 1;
export const SIDE_INSTR = 2;
export const SIDE_BOTH = 3;

export interface X86Port {
  readonly nrCpus: number;
  /** INVLPG va on `cpu`: the page in the current PCID, global entries for it in every PCID, and every
   *  paging-structure-cache entry of the current PCID (SDM Vol. 3A §4.10.4.1; spec §2.1 item 1). */
  invlpg(cpu: number, va: number): void;
  /** Split-TLB flavour: invalidate each strided page of [start, end) on the given sides, the per-MVA loop
   *  of a Harvard TLB's flush_tlb_range (one `invlpg` counted per page). */
  invlpgRangeSide(cpu: number, start: number, end: number, stride: number, sides: number): void;
  /** __flush_tlb_all(): CR4.PGE toggle / INVPCID all-including-globals on `cpu` (spec §2.1 item 2). */
  flushAllGlobal(cpu: number): void;
  /** local_flush_tlb(): MOV CR3 without the no-flush bit — non-global entries and the PSC of the
   *  current PCID. */
  flushLocal(cpu: number): void;
  /** native_flush_tlb_local(): rewrite CR3 with its own value (no no-flush bit) — the current PCID's
   *  non-global entries and walk caches go; counted by the hardware as a CR3 write, not as `full`. */
  reloadCr3(cpu: number): void;
  /** MOV CR3 loading `root` with `pcid`; `flush` false sets the no-flush bit (bit 63). */
  loadCr3(cpu: number, root: number, pcid: number, flush: boolean): void;
  /**
   * on_each_cpu_mask(cpus, func, info, wait=1) from `from` (smp_call_function_many_cond, kernel/smp.c, with
   * SCF_WAIT | SCF_RUN_LOCAL): one IPI to every listed CPU but `from`, `func` run on each of them, and on
   * `from` itself when listed — after the sends, while the targets run theirs; returns once all are done.
   */
  onEachCpu(from: number, cpus: readonly number[] | 'all', func: (cpu: number) => void): void;
  /**
   * on_each_cpu(func) from `from` where func INVLPGs `pages` pages from `va` on its CPU (do_kernel_range_flush,
   * __cpa_flush_tlb): `onEachCpu(from, 'all', (c) => { for each page: invlpg(c, page) })` as one call, which the
   * MMU runs without a handler per CPU.
   */
  invlpgOnEachCpu(from: number, va: number, pages: number): void;
  /** INVLPGB from `cpu`: `pages` pages from `va` (or everything when `all`), broadcast to every CPU,
   *  global entries included; no interrupt. */
  invlpgb(cpu: number, va: number, pages: number, all: boolean): void;
  /** TLBSYNC: wait for this CPU's INVLPGBs to complete everywhere. */
  tlbsync(cpu: number): void;
  /** An operation-level counter (`kflush`, `lflush`, `split`, `spurious`, `ptalloc`, `ptfree`). */
  count(name: string, n?: number): void;
}
