// Machines with more than 32 CPUs (the schema allows 1,024): holder sets span several 32-bit words, and
// every CPU must be tracked as on a small machine (DESIGN §2: per-CPU TLBs; the adversarial model keeps a
// stale translation for exactly the CPUs that may hold it until each invalidates).
import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;
const LOADED = [0, 31, 32, 33, 63, 64, 69];

function wide(arch: 'x86_64' | 'arm64', tlb: 'adversarial' | 'precise' = 'adversarial') {
  const r = rig({ arch, cpus: 70, tlb, memory: '64MiB' });
  const mm = r.m.createSpace(1, r.table);
  r.m.ensurePath(mm, USER_VA, 1, r.table);
  const old = r.data();
  r.m.setLeaf(mm, USER_VA, 1, old, RW_USER);
  for (const c of LOADED) r.m.setRoot(c, mm);
  return { ...r, mm, old };
}

describe('70 CPUs', () => {
  it('x86: a changed leaf stays cached on exactly the CPUs that loaded the PCID, each until its own INVLPG', () => {
    const { m, mm, old } = wide('x86_64');
    m.clearEntry(mm, USER_VA, 1);
    expect(m.cachedCpus(mm, USER_VA)).toEqual(LOADED);
    expect(m.cachedTranslations(old).map((t) => t.cpus)).toEqual([LOADED]);
    for (const c of [32, 0, 69]) m.invlpg(c, USER_VA);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([31, 33, 63, 64]);
    expect(m.access(33, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.access(32, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(34, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('x86: an IPI to all counts one per remote CPU and runs every handler', () => {
    const { m, mm } = wide('x86_64');
    m.clearEntry(mm, USER_VA, 1);
    const ran: number[] = [];
    m.ipi(5, 'all', (c) => {
      ran.push(c);
      m.invlpg(c, USER_VA);
    });
    expect(ran).toEqual(Array.from({ length: 70 }, (_, i) => i));
    expect(m.counter('ipi')).toBe(69);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([]);
  });

  it('arm64: a broadcast TLBI completes on every CPU at the issuer’s DSB; a local one only on the issuer', () => {
    const { m, mm } = wide('arm64');
    m.clearEntry(mm, USER_VA, 1);
    m.tlbi(64, 'VAE1', { va: USER_VA, asid: 1, broadcast: false });
    m.dsb(64);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([0, 31, 32, 33, 63, 69]);
    m.tlbi(40, 'VAE1', { va: USER_VA, asid: 1 });
    m.dsb(40);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([]);
  });

  it('precise: the CPUs whose TLB filled the entry, on both sides of the 32-CPU word boundary', () => {
    const { m, mm, old } = wide('x86_64', 'precise');
    for (const c of [31, 32, 64]) expect(m.access(c, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([31, 32, 64]);
    m.clearEntry(mm, USER_VA, 1);
    expect(m.cachedTranslations(old).map((t) => t.cpus)).toEqual([[31, 32, 64]]);
    m.invlpg(32, USER_VA);
    expect(m.access(32, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(64, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(old);
  });

  it('split TLB: one side of CPU 33 invalidated leaves its other side and every other CPU', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 40, tlbSides: 'split', memory: '64MiB' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER | Pte.XUSER);
    for (const c of [1, 33, 39]) m.setRoot(c, mm);
    // Changed twice without invalidation: two stale translations of the VA on each holder.
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER | Pte.XUSER);
    m.clearEntry(mm, USER_VA, 1);
    m.flushPageSide(33, USER_VA, 'data');
    expect(m.access(33, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(33, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.access(39, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([1, 33, 39]);
    m.flushPageSide(33, USER_VA, 'instr');
    expect(m.cachedCpus(mm, USER_VA)).toEqual([1, 39]);
  });
});
