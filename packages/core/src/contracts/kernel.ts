import type { AccessKind, CpuId, KeyRights, Pfn, Pid, UaccessKind, Va } from './addresses.js';
import type { OpReport } from './outcome.js';

/** The context a `stray-write` comes from: `null` for the default kernel context, or the name of a
 *  privileged one (arm64 kpkeys `kpkeys-pgtables` = `KPKEYS_CTX_PGTABLES` entered with
 *  `kpkeys_set_level`, spec arm64-pkey.md). A policy that knows no such name reports `unsupported`. */
export type StrayContext = string | null;

export interface ProcessReport extends OpReport {
  readonly pid?: Pid;
}

export interface KeyAllocReport extends OpReport {
  /** The allocated key index. */
  readonly key?: number;
}

/** Process state for the `process` check. */
export type ProcessState = 'alive' | 'killed' | 'exited';

/**
 * The OS-neutral system calls, scheduling and fault handling a scenario drives, beside the five
 * memory contracts. Registered under `Tokens.Kernel`. Every method may return `unsupported()`.
 */
export interface Kernel {
  /** A new process with an empty address space (Linux `copy_process` + `mm_alloc` as if by a fresh
   *  exec; FreeBSD `fork1` + `vmspace_alloc`). Its thread's key rights are the policy's initial value. */
  createProcess(cpu: CpuId): ProcessReport;

  /** Put a process (a thread of it) — or `none`, a kernel thread in lazy TLB mode — on a CPU: Linux
   *  `context_switch` → `switch_mm_irqs_off` / `enter_lazy_tlb`; FreeBSD `cpu_switch` →
   *  `pmap_activate_sw`. Loads the thread's key rights (`write_pkru` on switch, POR_EL0 restore). The
   *  same process on two CPUs is two threads, each with its own rights. */
  run(cpu: CpuId, pid: Pid | null): OpReport;

  /** The process whose thread runs on `cpu` (null for a kernel thread / idle). */
  current(cpu: CpuId): Pid | null;

  /** Set the key rights of the thread on `cpu` for one key: x86 `WRPKRU` (pkey_set), arm64 POR_EL0
   *  write + ISB. Rights are per thread. */
  setKeyRights(cpu: CpuId, key: number, rights: KeyRights): OpReport;

  /** Read the rights the thread on `cpu` has for `key`. */
  keyRights(cpu: CpuId, key: number): KeyRights | undefined;

  /** Linux `pkey_alloc` (mm_pkey_alloc, returns ENOSPC when exhausted); FreeBSD has no allocator:
   *  return the lowest index not yet named (DESIGN §4 semantics rules). `rights` are pkey_alloc's
   *  `init_val` for the allocating thread (null: the policy's default). */
  keyAlloc(cpu: CpuId, rights: KeyRights | null): KeyAllocReport;

  /** Linux `pkey_free` (mm_pkey_free; stale PTEs keep the key — the documented hazard). */
  keyFree(cpu: CpuId, key: number): OpReport;

  /** fork(2): Linux `dup_mm` → `dup_mmap` → `copy_page_range` (COW write-protects the parent with a
   *  flush); FreeBSD `vmspace_fork` + `pmap_pkru_copy`. The child's thread inherits the forking
   *  thread's rights (x86 PKRU is in the copied xstate; arm64 POR_EL0 copied by `copy_thread`). The
   *  child is created, not run. */
  fork(cpu: CpuId): ProcessReport;

  /** execve(2) of the process on `cpu`: a new address space (Linux `exec_mmap` + `mmput` of the old
   *  one → `exit_mmap`; FreeBSD `exec_new_vmspace` → `vmspace_exec`, `pmap_pkru_deassign_all`). The
   *  thread's rights reset to the policy's initial value (x86 `init_pkru_value`; arm64 POR_EL0_INIT). */
  exec(cpu: CpuId): OpReport;

  /** exit(2) / `exit_mmap` (FreeBSD `vmspace_exit` → `pmap_remove_pages`). */
  exit(cpu: CpuId): OpReport;

  /** A user or kernel access by `cpu` at `va` through the hardware, with demand paging and fault
   *  handling: a user fault the VmMap cannot resolve kills the process (no handler: SIGSEGV);
   *  a kernel permission fault the policy recognises as a stale, less permissive entry is
   *  `spurious` (x86 `spurious_kernel_fault`, arm64 has none — the policy decides). `user` says
   *  whether the access is made at user privilege. */
  access(cpu: CpuId, va: Va, kind: AccessKind, user: boolean): OpReport;

  /** The kernel touches user memory for the thread on `cpu`: copy_from_user / copy_to_user,
   *  `get_user_pages` (FOLL_WRITE or not), `access_remote_vm`. The policy decides whether keys apply
   *  (x86 uaccess honours PKRU; GUP checks `arch_vma_access_permitted` only for the current mm).
   *  `target` is the process read by `remote-read` (null: the current one). */
  uaccess(cpu: CpuId, va: Va, kind: UaccessKind, target: Pid | null): OpReport;

  /** A kernel write aimed at a frame (e.g. a page-table page) through its linear-map alias, to test
   *  hardening: `ok` if it landed, a fault if protection stopped it. */
  strayWrite(cpu: CpuId, pfn: Pfn, context: StrayContext): OpReport;

  /** A driver revokes a PFN mapping: Linux `unmap_mapping_range` (→ `zap_page_range_single` with an
   *  mmu_gather over every VMA of the mapping); FreeBSD `cdev_pager` / `pmap_remove` over the
   *  object's mappings. `start..end` names the user range that maps the PFNs. */
  revoke(cpu: CpuId, pid: Pid, start: Va, end: Va): OpReport;

  /** Keys allocated in the address space of `pid` (Linux: the bits of `pkey_allocation_map`, the
   *  execute-only key included; FreeBSD: the indices named so far), ascending. */
  allocatedKeys(pid: Pid): readonly number[];

  /** A named kernel window (`within` check), e.g. `linux.mermap` = the mermap's VA range. */
  window(name: string): { readonly start: Va; readonly end: Va } | undefined;

  /** State of a process, for the `process` check. */
  processState(pid: Pid): ProcessState | undefined;

  /** The linear-map (direct-map) virtual address of a frame. */
  directMapAddress(pfn: Pfn): Va;

  /** The frames backing a user range currently (present leaf entries), in page order; holes are -1. */
  framesOf(pid: Pid, start: Va, pages: number): readonly Pfn[];

  /** A bare kernel TLB flush of `[start, end)`, no entry changed (the `flush-kernel-range` op): Linux
   *  `flush_tlb_kernel_range` (arch/x86/mm/tlb.c), FreeBSD `pmap_invalidate_range(kernel_pmap, …)`.
   *  Optional: a kernel without it makes the op `unsupported`. */
  flushKernelRange?(cpu: CpuId, start: Va, end: Va): OpReport;
}
