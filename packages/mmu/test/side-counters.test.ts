// inv_dside / inv_iside: one per page per side of a one-side "invalidate MVA" on a split I/D TLB, so
// free_pgtables' question (spec linux.md §5.4: ARMv6 tlb-v6.S v6wbi_flush_user_tlb_range invalidates the
// I side only for a VM_EXEC VMA) shows in numbers. Unified instructions name no side and count neither;
// the counters carry no weight, so work and latency stay what `invlpg` alone makes them.
import { describe, expect, it } from 'vitest';
import { Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

function split(sides: 'split' | 'unified' = 'split') {
  const { m, table, data } = rig({ cpus: 1, tlbSides: sides });
  const mm = m.createSpace(1, table);
  m.ensurePath(mm, USER_VA, 1, table);
  m.setLeaf(mm, USER_VA, 1, data(), Pte.USER | Pte.XUSER);
  m.setRoot(0, mm);
  return m;
}

describe('split I/D invalidation counters (spec linux.md §5.4)', () => {
  it('a D-side-only range flush counts only inv_dside, one per page, and costs what invlpg costs', () => {
    const m = split();
    const s0 = m.snapshot();
    m.flushRangeSide(0, USER_VA, USER_VA + 4 * 4096, 4096, 'data');
    const d = m.delta(s0);
    expect(d.counters.inv_dside).toBe(4);
    expect(d.counters.inv_iside).toBe(0);
    expect(d.counters.invlpg).toBe(4);
    expect(d.cycles).toBe(4 * m.counters.weight('invlpg'));
  });

  it('an I-side page flush counts only inv_iside', () => {
    const m = split();
    const s0 = m.snapshot();
    m.flushPageSide(0, USER_VA, 'instr');
    const d = m.delta(s0);
    expect([d.counters.inv_dside, d.counters.inv_iside]).toEqual([0, 1]);
  });

  it('a both-sides flush (VM_EXEC) is both MVA ops: one of each per page', () => {
    const m = split();
    const s0 = m.snapshot();
    m.flushRangeSide(0, USER_VA, USER_VA + 3 * 4096, 4096, 'both');
    const d = m.delta(s0);
    expect([d.counters.inv_dside, d.counters.inv_iside, d.counters.invlpg]).toEqual([3, 3, 3]);
  });

  it('unified instructions count neither, even on a split machine', () => {
    const m = split();
    const s0 = m.snapshot();
    m.invlpg(0, USER_VA);
    m.flushGlobal(0);
    const d = m.delta(s0);
    expect([d.counters.inv_dside, d.counters.inv_iside]).toEqual([0, 0]);
  });

  it('a unified TLB has no sides to tell apart: one-side calls count neither', () => {
    const m = split('unified');
    const s0 = m.snapshot();
    m.flushRangeSide(0, USER_VA, USER_VA + 2 * 4096, 4096, 'data');
    const d = m.delta(s0);
    expect([d.counters.inv_dside, d.counters.inv_iside, d.counters.invlpg]).toEqual([0, 0, 2]);
  });

  it('a cost-model weight given to them is ignored: the invalidations are priced once, as invlpg', () => {
    const { m, table } = rig({ cpus: 1, tlbSides: 'split', costs: { inv_dside: 7, inv_iside: 7 } });
    const mm = m.createSpace(1, table);
    m.setRoot(0, mm);
    const s0 = m.snapshot();
    m.flushPageSide(0, USER_VA, 'both');
    expect(m.delta(s0).cycles).toBe(m.counters.weight('invlpg'));
  });
});
