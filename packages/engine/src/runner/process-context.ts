// Which process a step acts for (so the runner can skip the steps of a dead one, DESIGN §4), and the signal
// dispositions the scenario's process, fork and exec steps set (runner/signals.ts).
import type { Step } from '../scenario/types.js';
import type { StepOutcome } from './report.js';
import type { SignalTable } from './signals.js';
import type { RunState } from './state.js';

/** Ops a thread performs for its process on the step's CPU: system calls and its own accesses. */
const PROCESS_OPS: ReadonlySet<string> = new Set([
  'mmap',
  'munmap',
  'mprotect',
  'msync-invalidate',
  'madvise-dontneed',
  'key-alloc',
  'key-free',
  'key-assign',
  'key-clear',
  'set-key-rights',
  'swapout',
  'fork',
  'exec',
  'uaccess',
]);

/**
 * The process `step` acts for, or null for a kernel operation (kalloc, page-alloc, a direct-map access, …):
 * `run` names it; a user access, a speculative walk of a user region and a system call act for the
 * process running on the step's CPU.
 */
export function processOf(state: RunState, step: Step): number | null {
  if (step.op === 'run')
    return step.process === null ? null : (state.names.processes.get(step.process) ?? null);
  const k = state.kernel;
  if (k === undefined) return null;
  if (step.op === 'access' || step.op === 'speculate') {
    if (step.target.kind !== 'region' || step.via === 'direct-map') return null;
    if (state.names.region(step.target.region)?.kind !== 'user') return null;
    return k.current(step.cpu);
  }
  return PROCESS_OPS.has(step.op) ? k.current(step.cpu) : null;
}

/** `process` installs its handlers, a `fork` child inherits its parent's, `exec` resets them. */
export function recordDisposition(state: RunState, signals: SignalTable, step: Step, out: StepOutcome): void {
  if (out.outcome !== 'ok') return;
  if (step.op === 'process') {
    const pid = state.names.processes.get(step.id);
    if (pid !== undefined) signals.install(pid, step.handlers);
  } else if (step.op === 'fork') {
    const parent = state.kernel?.current(step.cpu) ?? null;
    const child = state.names.processes.get(step.id);
    if (parent !== null && child !== undefined) signals.inherit(parent, child);
  } else if (step.op === 'exec') {
    const pid = state.kernel?.current(step.cpu) ?? null;
    if (pid !== null) signals.reset(pid);
  }
}
