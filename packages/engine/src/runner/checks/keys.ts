// `keys`: the keys allocated in a process, the thread's rights for them, and (with a region or range)
// the key the OS binds to that address.
import { formatProt } from '@shootdown/core';
import type { JsonValue } from '../../scenario/types.js';
import { currentPid, pidOf } from '../resolve.js';
import { type CheckHandler, targetAddress } from './check.js';

export const keysCheck: CheckHandler = (state, step) => {
  const k = state.kernel;
  if (k === undefined) return undefined;
  const pid = step.process !== undefined ? pidOf(state, step.process) : currentPid(state, step.cpu);
  const allocated = [...k.allocatedKeys(pid)];
  const answer: { [key: string]: JsonValue } = { allocated };
  if (k.current(step.cpu) === pid) {
    const rights: { [key: string]: JsonValue } = {};
    for (const key of allocated) {
      const r = k.keyRights(step.cpu, key);
      if (r !== undefined) rights[String(key)] = formatProt(r);
    }
    answer['rights'] = rights;
  }
  if (step.target !== undefined) {
    const { va } = targetAddress(state, step);
    const pmap = state.pmaps?.of(pid);
    if (pmap !== undefined) answer['key'] = pmap.keyFor(va);
  }
  return answer;
};
