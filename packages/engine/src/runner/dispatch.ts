// Which handler runs which OS-level op. Hardware-level ops go to the MMU under raw-mmu only; every
// OS-level op is `unsupported` there (DESIGN §4).
import { HW_OPS, type Step } from '../scenario/types.js';
import { accessOp, speculateOp, strayWriteOp, uaccessOp } from './ops/access-ops.js';
import {
  kallocOp,
  kfreeOp,
  kprotectOp,
  pageAllocOp,
  pageFreeOp,
  pressureOp,
} from './ops/kernel-memory-ops.js';
import { flushKernelRangeOp, frameOp } from './ops/frame-ops.js';
import { policyOp } from './ops/policy-ops.js';
import {
  execOp,
  forkOp,
  keyAllocOp,
  keyFreeOp,
  lateInitOp,
  processOp,
  runOp,
  setKeyRightsOp,
} from './ops/process-ops.js';
import { keyAssignOp, keyClearOp, mmapOp, rangeOp, revokeOp, swapoutOp } from './ops/user-memory-ops.js';
import { UNSUPPORTED, type StepOutcome } from './report.js';
import type { RunState } from './state.js';

/** Ops the runner itself composes (they contain steps), handled in run.ts. */
export const COMPOSITE_OPS: ReadonlySet<string> = new Set(['repeat', 'interleave', 'check']);

export function isHardwareOp(step: Step): boolean {
  if (HW_OPS.includes(step.op)) return true;
  // `access` and `speculate` addressed by space and VA are hardware-level; addressed by region or frame
  // they run under an OS policy, through its page tables.
  return (step.op === 'access' || step.op === 'speculate') && step.target.kind === 'space';
}

/**
 * Ops that are system calls of the process on the step's CPU: their entry and exit is shared work every
 * policy pays alike (core's SHARED_WORK `syscall`, spec linux.md §7.4), so the runner charges it here, at
 * the same point for every policy. `set-key-rights` is WRPKRU / POR_EL0, no system call.
 */
const SYSCALL_OPS: ReadonlySet<string> = new Set([
  'fork',
  'exec',
  'key-alloc',
  'key-free',
  'mmap',
  'munmap',
  'mprotect',
  'msync-invalidate',
  'madvise-dontneed',
  'key-assign',
  'key-clear',
]);

export function dispatchOs(state: RunState, step: Step): StepOutcome {
  if (SYSCALL_OPS.has(step.op)) state.hw.count('syscall', 1);
  switch (step.op) {
    case 'process':
      return processOp(state, step);
    case 'run':
      return runOp(state, step);
    case 'fork':
      return forkOp(state, step);
    case 'exec':
      return execOp(state, step);
    case 'late-init':
      return lateInitOp(state, step);
    case 'key-alloc':
      return keyAllocOp(state, step);
    case 'key-free':
      return keyFreeOp(state, step);
    case 'set-key-rights':
      return setKeyRightsOp(state, step);
    case 'mmap':
      return mmapOp(state, step);
    case 'munmap':
    case 'mprotect':
    case 'msync-invalidate':
    case 'madvise-dontneed':
      return rangeOp(state, step);
    case 'key-assign':
      return keyAssignOp(state, step);
    case 'key-clear':
      return keyClearOp(state, step);
    case 'swapout':
      return swapoutOp(state, step);
    case 'revoke':
      return revokeOp(state, step);
    case 'access':
      return accessOp(state, step);
    case 'speculate':
      return speculateOp(state, step);
    case 'uaccess':
      return uaccessOp(state, step);
    case 'stray-write':
      return strayWriteOp(state, step);
    case 'kalloc':
      return kallocOp(state, step);
    case 'kprotect':
      return kprotectOp(state, step);
    case 'kfree':
      return kfreeOp(state, step);
    case 'page-alloc':
      return pageAllocOp(state, step);
    case 'page-free':
      return pageFreeOp(state, step);
    case 'pressure':
      return pressureOp(state, step);
    case 'flush-kernel-range':
      return flushKernelRangeOp(state, step);
    case 'frame':
      return frameOp(state, step);
    default:
      if (step.op.includes('.')) return policyOp(state, step as Extract<Step, { op: `${string}.${string}` }>);
      return UNSUPPORTED;
  }
}
