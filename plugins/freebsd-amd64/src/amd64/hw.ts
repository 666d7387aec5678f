// The hardware the amd64 pmap drives, as a port: page-table leaf stores, the x86 invalidation instructions,
// IPIs and the PKRU register. The binding to @shootdown/mmu lives in machine-port.ts; tests may bind a recorder.
// Only instructions appear here: the pmap decides *which* CPUs and *which* instruction (spec freebsd-amd64.md §7).

/** Access kinds, the MMU's small ints (read 0, write 1, exec 2). */
export type HwAccess = 0 | 1 | 2;
/** Privilege of an access: user, kernel, or the kernel on behalf of user space (copyin/copyout). */
export type HwMode = 0 | 1 | 2;

export interface Amd64Hw {
  readonly cpus: number;
  /** CR4.PCIDE: user pmaps get PCIDs and inactive CPUs may be skipped (pmap_invalidate_preipi_pcid). */
  readonly pcid: boolean;

  /** A new user address space (pmap_pinit): its root table and its PCID. Returns the MMU space id. */
  createSpace(): number;
  /** pmap_release: the tree is torn down (after pmap_remove_pages emptied it). */
  destroySpace(space: number): void;

  /** Store a 4 KiB leaf entry (Pte flag bits of @shootdown/mmu, key in bits 12..15) for `va`. */
  storeLeaf(cpu: number, space: number, va: number, pfn: number, flags: number): void;
  /** pte_load_clear: the leaf for `va` becomes not-present. */
  clearLeaf(cpu: number, space: number, va: number): void;

  /** CR3 load on `cpu` of `space` (null: the kernel-only tree), with the PCID no-flush bit or not. */
  loadCr3(cpu: number, space: number | null, noFlush: boolean): void;
  /** INVLPG on `cpu` (the current PCID). */
  invlpg(cpu: number, va: number): void;
  /** INVPCID single-context of `space`'s PCID on `cpu` (or, without PCID, a CR3 reload). */
  invalidateSpace(cpu: number, space: number): void;
  /** invltlb_glob() on `cpu`: every TLB entry, global ones included (CR4.PGE toggle / INVPCID all). */
  invalidateGlobal(cpu: number): void;
  /** Shootdown IPIs from `from`: `handler` runs on every target (the sender's own share included, no IPI). */
  ipi(from: number, targets: readonly number[], handler: (cpu: number) => void): void;

  /** WRPKRU on `cpu` (a thread's rights loaded at context switch or written by the thread); counted `wrpkru`. */
  writePkru(cpu: number, pkru: number): void;

  /** One data access or fetch through the MMU; returns the MMU's outcome code. */
  access(cpu: number, va: number, kind: HwAccess, mode: HwMode): number;
  /** Frame reached by the last access (-1 when none). */
  lastFrame(): number;
}
