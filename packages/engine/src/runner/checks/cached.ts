// `cached`: how many CPUs may hold an entry for an address (valid or stale), in the address space it
// resolves in — the number that tells whether a flush was enough.
import { type CheckHandler, pmapFor, targetAddress } from './check.js';

export const cachedCheck: CheckHandler = (state, step) => {
  const { va, user } = targetAddress(state, step);
  const pmap = pmapFor(state, step, user);
  return pmap === undefined ? undefined : state.hw.cachedCpus(pmap.space, va);
};
