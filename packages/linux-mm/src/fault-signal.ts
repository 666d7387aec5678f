/**
 * The signal a user fault that handle_mm_fault could not resolve raises (arch/x86/mm/fault.c
 * do_user_addr_fault, arch/arm64/mm/fault.c do_page_fault — both classify the same way):
 * - a kernel address or no VMA: `bad_area_nosemaphore` → SIGSEGV/SEGV_MAPERR;
 * - a key refusal: `bad_area_access_error` → `bad_area_access_from_pkeys` → `__bad_area(…, vma_pkey(vma),
 *   SEGV_PKUERR)` (x86 `force_sig_pkuerr`; arm64 `arm64_force_sig_fault_pkey`). `si_pkey` is the VMA's
 *   key, which the fault.c comment notes may differ from the PTE's after a racing pkey_mprotect;
 * - any other access_error: SIGSEGV/SEGV_ACCERR;
 * - the VMA allows the access but nothing backs the page (a revoked PFN mapping, whose vm_ops->fault
 *   returns VM_FAULT_SIGBUS; `mm_fault_error` → `do_sigbus`): SIGBUS/BUS_ADRERR.
 */
import { segv, type FaultSignal, type Outcome, type Va } from '@shootdown/core';
import { TASK_SIZE } from './constants.js';
import type { Task } from './task.js';

export function userFaultSignal(task: Task, addr: Va, outcome: Outcome): FaultSignal {
  const vma = addr < TASK_SIZE ? task.mm.vmaLookup(addr) : undefined;
  if (!vma) return segv('SEGV_MAPERR', addr);
  if (outcome === 'fault:key') return segv('SEGV_PKUERR', addr, vma.pkey);
  if (outcome === 'fault:not-present') return { signo: 'SIGBUS', code: 'BUS_ADRERR', addr };
  return segv('SEGV_ACCERR', addr);
}
