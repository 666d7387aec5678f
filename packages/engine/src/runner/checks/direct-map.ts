// `direct-map`: the linear-map (direct-map) entry of a frame — the alias the seeds' bugs live in.
import { type CheckHandler, entryJson, targetFrame } from './check.js';

export const directMapCheck: CheckHandler = (state, step) => {
  const pmaps = state.pmaps;
  if (pmaps === undefined) return undefined;
  const pfn = targetFrame(state, step);
  return entryJson(pmaps.kernel.lookup(pmaps.directMap.addressOf(pfn)));
};
