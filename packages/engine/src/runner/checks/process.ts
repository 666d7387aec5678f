// `process`: alive, killed (a user fault with no handler) or exited.
import { pidOf } from '../resolve.js';
import { StepSkipped } from '../report.js';
import type { CheckHandler } from './check.js';

export const processCheck: CheckHandler = (state, step) => {
  const k = state.kernel;
  if (k === undefined) return undefined;
  if (step.process === undefined) throw new StepSkipped('check process needs process:');
  return k.processState(pidOf(state, step.process));
};
