// process, run, fork, exec, key-alloc, key-free, set-key-rights → the `Kernel` contract; late-init → `KernelBoot`.
import { parseProt, Tokens } from '@shootdown/core';
import type {
  ExecStep,
  LateInitStep,
  ForkStep,
  KeyAllocStep,
  KeyFreeStep,
  ProcessStep,
  RunStep,
  SetKeyRightsStep,
} from '../../scenario/types.js';
import { UNSUPPORTED, fromReport, StepSkipped, stepOutcome, type StepOutcome } from '../report.js';
import { pidOf } from '../resolve.js';
import type { RunState } from '../state.js';

export function processOp(state: RunState, step: ProcessStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  const r = k.createProcess(step.cpu);
  if (r.pid !== undefined) state.names.processes.set(step.id, r.pid);
  return fromReport(r);
}

export function runOp(state: RunState, step: RunStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  return fromReport(k.run(step.cpu, step.process === null ? null : pidOf(state, step.process)));
}

export function forkOp(state: RunState, step: ForkStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  const r = k.fork(step.cpu);
  if (r.pid !== undefined) state.names.processes.set(step.id, r.pid);
  return fromReport(r);
}

export function execOp(state: RunState, step: ExecStep): StepOutcome {
  const k = state.kernel;
  return k === undefined ? UNSUPPORTED : fromReport(k.exec(step.cpu));
}

/** late-init → KernelBoot.lateInit; a policy without boot phases cannot express it. */
export function lateInitOp(state: RunState, step: LateInitStep): StepOutcome {
  const boot = state.contract(Tokens.Boot);
  return boot === undefined ? UNSUPPORTED : fromReport(boot.lateInit(step.cpu));
}

export function keyAllocOp(state: RunState, step: KeyAllocStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  const r = k.keyAlloc(step.cpu, step.rights === null ? null : parseProt(step.rights)!);
  if (r.key !== undefined) state.names.keys.set(step.id, r.key);
  const out = fromReport(r);
  return r.key !== undefined
    ? stepOutcome(out.outcome, out.pages, out.ignored, out.frame, r.key, r.key)
    : out;
}

function keyOf(state: RunState, step: KeyFreeStep | SetKeyRightsStep): number {
  const key = state.names.key(step.key);
  if (key === undefined) throw new StepSkipped(`key was not allocated under this policy`);
  return key;
}

export function keyFreeOp(state: RunState, step: KeyFreeStep): StepOutcome {
  const k = state.kernel;
  return k === undefined ? UNSUPPORTED : fromReport(k.keyFree(step.cpu, keyOf(state, step)));
}

export function setKeyRightsOp(state: RunState, step: SetKeyRightsStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  return fromReport(k.setKeyRights(step.cpu, keyOf(state, step), parseProt(step.rights)!));
}
