// `entry`: the current entry of an address — present, permissions, key, leaf size (DESIGN §4).
import { type CheckHandler, entryJson, pmapFor, targetAddress } from './check.js';

export const entryCheck: CheckHandler = (state, step) => {
  const { va, user } = targetAddress(state, step);
  const pmap = pmapFor(state, step, user);
  return pmap === undefined ? undefined : entryJson(pmap.lookup(va));
};
