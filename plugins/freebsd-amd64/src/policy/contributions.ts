// This plug-in's own op, probe and counters. `freebsd.sysarch` passes raw sysarch(2) arguments, so the error
// table of spec freebsd-amd64.md §10 (key 16, flags 0x4, len 0, unaligned or kernel addresses, CLEAR with a
// key) can be written in a scenario; `freebsd.pkru-ranges` answers the calling process's rangeset.
import type {
  ContributionCall,
  Json,
  OpContribution,
  OpContributionReport,
  ProbeContribution,
} from '@shootdown/core';
import { FREEBSD_COUNTERS } from '../amd64/shootdown.js';
import { checkClearArgs } from '../pkru/pkru-args.js';
import { NODE_PERSIST } from '../pkru/rangeset.js';
import { SYSTEM_TOKEN } from './policy.js';
import type { FreeBsdSystem } from './system.js';

export { FREEBSD_COUNTERS };

const ADDRESS: Json = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^0x[0-9a-fA-F]+$' },
  ],
};

function num(v: Json | undefined, fallback: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number.parseInt(v, 16);
  return fallback;
}

function hex(page: number): string {
  return '0x' + (page * 4096).toString(16);
}

function systemOf(call: ContributionCall): FreeBsdSystem {
  return call.container.resolve<FreeBsdSystem>(SYSTEM_TOKEN);
}

export const sysarchOp: OpContribution = {
  name: 'freebsd.sysarch',
  policies: ['freebsd-amd64'],
  description:
    'sysarch(AMD64_SET_PKRU | AMD64_CLEAR_PKRU) with raw arguments (struct amd64_set_pkru: addr, len, keyidx, ' +
    'flags) from the thread on cpu; reports the errno as error:<ERRNO>.',
  schema: {
    type: 'object',
    properties: {
      call: { enum: ['set-pkru', 'clear-pkru'] },
      addr: ADDRESS,
      len: ADDRESS,
      keyidx: { type: 'integer', minimum: 0 },
      flags: { type: 'integer', minimum: 0 },
    },
    required: ['call', 'addr', 'len'],
  },
  run(call: ContributionCall): OpContributionReport {
    const sys = systemOf(call);
    const pid = sys.kernel.current(call.cpu);
    const map = pid === null ? undefined : sys.map(pid);
    if (map === undefined) return { outcome: 'error:ESRCH' };
    const addr = num(call.args['addr'], 0);
    const len = num(call.args['len'], 0);
    const keyidx = num(call.args['keyidx'], 0);
    const flags = num(call.args['flags'], 0);
    if (call.args['call'] === 'clear-pkru') {
      const bad = checkClearArgs(keyidx, flags);
      return bad !== null ? { outcome: `error:${bad}` } : map.sysarchClear(call.cpu, addr, len);
    }
    return map.sysarchSet(call.cpu, addr, len, keyidx, flags);
  },
};

export const rangesProbe: ProbeContribution = {
  name: 'freebsd.pkru-ranges',
  policies: ['freebsd-amd64'],
  description:
    'The PKRU rangeset (pm_pkru) of the process on cpu: [{ start, end, key, persist }], addresses in hex.',
  answer(call: ContributionCall): Json {
    const sys = systemOf(call);
    const pid = sys.kernel.current(call.cpu);
    const pmap = pid === null ? undefined : sys.pmap(pid);
    if (pmap === undefined) return null;
    return pmap.pkru.nodes().map((n) => ({
      start: hex(n.start),
      end: hex(n.end),
      key: n.key,
      persist: (n.flags & NODE_PERSIST) !== 0,
    }));
  },
};

/** The 2 MiB window holding `addr`, in pages (NBPDR / PAGE_SIZE = 512). */
function superpageWindow(addr: number): [number, number] {
  const first = Math.floor(addr / 4096 / 512) * 512;
  return [first, first + 512];
}

export const superpageProbe: ProbeContribution = {
  name: 'freebsd.superpage-eligible',
  policies: ['freebsd-amd64'],
  description:
    'pmap_pkru_same over the 2 MiB window holding args.addr in the process on cpu: true when one PDE could map ' +
    'it as far as keys go (pmap_enter_pde refuses a window whose pages disagree on their key range).',
  schema: { type: 'object', properties: { addr: ADDRESS }, required: ['addr'] },
  answer(call: ContributionCall): Json {
    const sys = systemOf(call);
    const pid = sys.kernel.current(call.cpu);
    const pmap = pid === null ? undefined : sys.pmap(pid);
    if (pmap === undefined) return null;
    const inner = call.args['args'];
    const source = inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? inner : call.args;
    const [s, e] = superpageWindow(num(source['addr'], 0));
    return pmap.pkru.same(s, e);
  },
};
