// `within`: is an address inside a named kernel window (e.g. `linux.mermap`)?
import { StepSkipped } from '../report.js';
import { type CheckHandler, targetAddress } from './check.js';

export const withinCheck: CheckHandler = (state, step) => {
  const k = state.kernel;
  if (k === undefined) return undefined;
  if (step.window === undefined) throw new StepSkipped('check within needs window:');
  const w = k.window(step.window);
  if (w === undefined) return undefined;
  const { va } = targetAddress(state, step);
  return va >= w.start && va < w.end;
};
