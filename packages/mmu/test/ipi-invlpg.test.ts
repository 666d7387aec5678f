// Machine.ipiInvlpg is on_each_cpu of INVLPGs as one call: it must leave the machine exactly as the IPI round
// with a handler per CPU does — counts, work per CPU, clocks, the records each CPU still holds, and the order in
// which the observers hear of freed records — whether it takes its one-record path or asks per CPU. Likewise a
// broadcast TLBI of one page, completed at the DSB with its one record dropped CPU after CPU: the same records
// and the same order of frees as the TLBI applied on each CPU in turn (here: a local TLBI and DSB on each).
import { describe, expect, it } from 'vitest';
import { Access, Mode, Pte, type Machine, type TlbiArgs, type TlbiOp } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const KVA = 0x888000200000;

interface Setup {
  /** Leaves to store, then change (clearEntry) so that they go stale. */
  user?: number;
  kernel?: number;
  /** Also replace a user table pointer (a stale walk-cache entry on the CPUs that ran the space). */
  walk?: boolean;
  /** A second record at the kernel page: the leaf stored, cleared, stored and cleared again. */
  twice?: boolean;
  /** Split instruction/data TLBs (records held per side). */
  split?: boolean;
  /** No observer: the stale sets batch their records into cohorts (StaleSet.setBatched). */
  unwatched?: boolean;
}

function build(s: Setup, arch: 'x86_64' | 'arm64' = 'x86_64'): { m: Machine; events: string[] } {
  const r = rig({ arch, cpus: 40, memory: '64MiB', tlbSides: s.split === true ? 'split' : 'unified' });
  const m = r.m;
  const mm = m.createSpace(1, r.table);
  const events: string[] = [];
  if (s.unwatched !== true)
    m.observe({ framesChanged: (first, count, cause) => events.push(`${first}+${count} ${cause}`) });
  for (const c of [0, 3, 31, 32, 39]) m.setRoot(c, mm);
  for (let i = 0; i < (s.user ?? 0); i++) {
    m.ensurePath(mm, USER_VA + i * 4096, 1, r.table);
    m.setLeaf(mm, USER_VA + i * 4096, 1, r.data(), Pte.WRITABLE | Pte.USER);
  }
  for (let i = 0; i < (s.kernel ?? 0); i++) {
    m.ensurePath(r.kernel, KVA + i * 4096, 1, r.table);
    m.setLeaf(r.kernel, KVA + i * 4096, 1, r.data(), Pte.WRITABLE | Pte.GLOBAL);
  }
  for (let c = 0; c < 40; c++) m.access(c, KVA, Access.READ, Mode.KERNEL);
  for (let i = 0; i < (s.user ?? 0); i++) m.clearEntry(mm, USER_VA + i * 4096, 1);
  for (let i = 0; i < (s.kernel ?? 0); i++) m.clearEntry(r.kernel, KVA + i * 4096, 1);
  if (s.twice === true) {
    m.setLeaf(r.kernel, KVA, 1, r.data(), Pte.WRITABLE | Pte.GLOBAL);
    m.clearEntry(r.kernel, KVA, 1);
  }
  if (s.walk === true) m.setTable(mm, USER_VA, 2, r.table());
  m.beginStep(7);
  return { m, events };
}

function state(m: Machine, events: string[], costs = true): unknown {
  return {
    ...(costs ? { snapshot: m.snapshot(), work: m.workByCpu() } : {}),
    leaves: m.staleLeaf.live,
    records: Array.from(m.staleLeaf.liveRecords()),
    walks: m.staleWalk.live,
    held: Array.from({ length: 40 }, (_, c) => m.staleLeaf.cpuRefs[c]),
    events,
  };
}

/** Runs both forms from the same setup; returns what the setup had staled (leaf records, walk records). */
function both(s: Setup, va: number, pages: number): [number, number] {
  const a = build(s);
  const staled: [number, number] = [a.m.staleLeaf.live, a.m.staleWalk.live];
  a.m.ipi(7, 'all', (c) => {
    for (let i = 0; i < pages; i++) a.m.invlpg(c, va + i * 4096);
  });
  const b = build(s);
  b.m.ipiInvlpg(7, va, pages);
  expect(state(b.m, b.events)).toEqual(state(a.m, a.events));
  return staled;
}

describe('ipiInvlpg', () => {
  it('one global kernel record: dropped CPU by CPU as the handlers would', () =>
    expect(both({ kernel: 1 }, KVA, 1)).toEqual([1, 0]));
  it('one user record: only where the PCID runs', () =>
    expect(both({ user: 1 }, USER_VA, 1)).toEqual([1, 0]));
  it('no record at the page', () => expect(both({ kernel: 1 }, KVA + 4096, 1)).toEqual([1, 0]));
  it('two records at the page: asked per CPU', () =>
    expect(both({ kernel: 1, twice: true }, KVA, 1)).toEqual([2, 0]));
  it('stale walk-cache entries: asked per CPU', () =>
    expect(both({ user: 2, walk: true }, USER_VA, 1)[1]).toBeGreaterThan(0));
  it('unwatched (records batched in cohorts): kernel and user records', () => {
    expect(both({ kernel: 3, unwatched: true }, KVA + 4096, 1)).toEqual([3, 0]);
    expect(both({ user: 3, kernel: 2, unwatched: true }, USER_VA, 1)).toEqual([5, 0]);
  });
  it('split TLBs: one global kernel record on both sides', () =>
    expect(both({ kernel: 1, split: true }, KVA, 1)).toEqual([1, 0]));
  it('several pages', () => expect(both({ kernel: 3, user: 2 }, KVA, 3)).toEqual([5, 0]));
});

/**
 * A broadcast TLBI of one page against the same TLBI applied CPU by CPU; returns the setup's stale counts (leaf
 * records, walk records) and the leaf records left.
 */
function tlbiBoth(s: Setup, op: TlbiOp, args: TlbiArgs): [number, number, number] {
  const a = build(s, 'arm64');
  const staled: [number, number] = [a.m.staleLeaf.live, a.m.staleWalk.live];
  for (let c = 0; c < 40; c++) {
    a.m.tlbi(c, op, { ...args, broadcast: false });
    a.m.dsb(c);
  }
  const b = build(s, 'arm64');
  b.m.tlbi(7, op, args);
  b.m.dsb(7);
  expect(state(b.m, b.events, false)).toEqual(state(a.m, a.events, false));
  return [...staled, b.m.staleLeaf.live];
}

describe('broadcast TLBI of one page', () => {
  it('VAALE1IS on a global kernel record', () =>
    expect(tlbiBoth({ kernel: 1 }, 'VAALE1', { va: KVA })).toEqual([1, 0, 0]));
  it('VAE1IS in the space’s ASID, and in another', () => {
    expect(tlbiBoth({ user: 1 }, 'VAE1', { va: USER_VA, asid: 1 })).toEqual([1, 0, 0]);
    expect(tlbiBoth({ user: 1 }, 'VAE1', { va: USER_VA, asid: 2 })).toEqual([1, 0, 1]);
  });
  it('a TTL hint of another level leaves the record', () =>
    expect(tlbiBoth({ kernel: 1 }, 'VAALE1', { va: KVA, level: 2 })).toEqual([1, 0, 1]));
  it('unwatched (records batched in cohorts)', () =>
    expect(tlbiBoth({ kernel: 3, unwatched: true }, 'VAALE1', { va: KVA + 4096 })).toEqual([3, 0, 2]));
  it('split TLBs, both sides and the data side only', () => {
    expect(tlbiBoth({ kernel: 1, split: true }, 'VAALE1', { va: KVA })).toEqual([1, 0, 0]);
    expect(tlbiBoth({ kernel: 1, split: true }, 'VAALE1', { va: KVA, side: 'data' })).toEqual([1, 0, 1]);
  });
  it('two records at the page', () =>
    expect(tlbiBoth({ kernel: 1, twice: true }, 'VAAE1', { va: KVA })).toEqual([2, 0, 0]));
  it('stale walk-cache entries', () =>
    expect(tlbiBoth({ user: 2, walk: true }, 'VAE1', { va: USER_VA, asid: 1 })[1]).toBeGreaterThan(0));
});
