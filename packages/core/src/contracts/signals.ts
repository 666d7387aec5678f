import type { DependencyContainer } from 'tsyringe';
import { Tokens } from '../tokens.js';
import type { CpuId, Pid, Va } from './addresses.js';

/**
 * The synchronous fault signals a user access can raise, with the `si_code`s both kernels use (the same
 * names in Linux include/uapi/asm-generic/siginfo.h and FreeBSD sys/sys/signal.h):
 * - `SEGV_MAPERR`: no mapping at the address (Linux `bad_area_nosemaphore`, no VMA or a kernel address;
 *   FreeBSD `trap_pfault` for a kernel address, `vm_fault_trap` KERN_INVALID_ADDRESS);
 * - `SEGV_ACCERR`: the mapping forbids the access (Linux `bad_area_access_error` without a key;
 *   FreeBSD `vm_fault_trap` KERN_PROTECTION_FAILURE for current-ABI binaries);
 * - `SEGV_PKUERR`: a protection key refused it (Linux `bad_area_access_error` → `__bad_area(…, pkey,
 *   SEGV_PKUERR)`, arm64 `do_page_fault` → `arm64_force_sig_fault_pkey`; FreeBSD `trap_pfault` for PGEX_PK);
 * - `BUS_ADRERR` (SIGBUS): the mapping exists but nothing can back the page (a revoked PFN mapping:
 *   the driver's fault handler returns VM_FAULT_SIGBUS → `do_sigbus`).
 */
export type FaultSignalCode = 'SEGV_MAPERR' | 'SEGV_ACCERR' | 'SEGV_PKUERR' | 'BUS_ADRERR' | 'BUS_OOMERR';

export interface FaultSignal {
  readonly signo: 'SIGSEGV' | 'SIGBUS';
  readonly code: FaultSignalCode;
  /** `si_addr`: the faulting address. */
  readonly addr: Va;
  /** `si_pkey`, only where the kernel reports one (Linux: `vma_pkey(vma)` of the faulting VMA, x86 and
   *  arm64); FreeBSD's siginfo has no key field. */
  readonly pkey?: number;
}

/**
 * Signal disposition, kept by the runner from the scenario (`process` with `handlers: [SIGSEGV]`, copied
 * by `fork`, reset by `exec`), one rule for every policy (DESIGN §4 "Semantics rules"). A policy calls
 * `deliver` where its kernel forces a fault signal on a user thread (Linux `force_sig_fault`, FreeBSD
 * `trapsignal`): `true` means the process has a handler, which runs, and the thread goes on with the
 * next step; `false` means the default action — the policy kills the process. Registered under
 * `Tokens.Signals` by the runner.
 */
export interface SignalDelivery {
  deliver(cpu: CpuId, pid: Pid, signal: FaultSignal): boolean;
}

/** `deliver` through an optional service: without one every fault signal is fatal (the default action). */
export function deliverFaultSignal(
  signals: SignalDelivery | undefined,
  cpu: CpuId,
  pid: Pid,
  signal: FaultSignal,
): boolean {
  return signals?.deliver(cpu, pid, signal) ?? false;
}

/** The SIGSEGV for `code` at `addr` (with `si_pkey` when given). */
export function segv(
  code: 'SEGV_MAPERR' | 'SEGV_ACCERR' | 'SEGV_PKUERR',
  addr: Va,
  pkey?: number,
): FaultSignal {
  return pkey === undefined ? { signo: 'SIGSEGV', code, addr } : { signo: 'SIGSEGV', code, addr, pkey };
}

/** The run's `SignalDelivery`, or undefined when the host registered none (a bare test container). */
export function signalsOf(container: DependencyContainer): SignalDelivery | undefined {
  return container.isRegistered(Tokens.Signals, true) ? container.resolve(Tokens.Signals) : undefined;
}
