// sideHolders: which CPUs may still hold a stale leaf on the data or the instruction side of a split
// (Harvard) TLB — what an invariant needs when a side is never checked for something (x86 protection keys
// do not gate instruction fetches, Intel SDM vol. 3A §4.6.2). A unified TLB has one side: every holder.
import { describe, expect, it } from 'vitest';
import { Access, Mode, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

function cachedThenChanged(tlbSides: 'unified' | 'split') {
  const { m, table, data } = rig({ cpus: 2, tlb: 'precise', tlbSides });
  const mm = m.createSpace(1, table);
  m.ensurePath(mm, USER_VA, 1, table);
  for (const c of [0, 1]) m.setRoot(c, mm);
  const f = data();
  m.setLeaf(mm, USER_VA, 1, f, Pte.USER | Pte.XUSER);
  m.access(0, USER_VA, Access.EXEC, Mode.USER); // CPU 0: instruction side
  m.access(1, USER_VA, Access.READ, Mode.USER); // CPU 1: data side
  m.setLeaf(mm, USER_VA, 1, f, Pte.USER | Pte.XUSER | (1 << Pte.KEY_SHIFT));
  const live = Array.from(m.staleLeaf.liveRecords());
  expect(live).toHaveLength(1);
  return { m, r: live[0]! };
}

describe('StaleSet.sideHolders', () => {
  it('a split TLB: each side names only the CPUs that filled it, and a one-side flush drops only that side', () => {
    const { m, r } = cachedThenChanged('split');
    expect(m.staleLeaf.holders(r)).toEqual([0, 1]);
    expect(m.staleLeaf.sideHolders(r, 0)).toEqual([1]);
    expect(m.staleLeaf.sideHolders(r, 1)).toEqual([0]);
    m.flushPageSide(1, USER_VA, 'data');
    expect(m.staleLeaf.holders(r)).toEqual([0]);
    expect(m.staleLeaf.sideHolders(r, 0)).toEqual([]);
    expect(m.staleLeaf.sideHolders(r, 1)).toEqual([0]);
  });

  it('a unified TLB: both sides are every holder', () => {
    const { m, r } = cachedThenChanged('unified');
    expect(m.staleLeaf.sideHolders(r, 0)).toEqual([0, 1]);
    expect(m.staleLeaf.sideHolders(r, 1)).toEqual([0, 1]);
  });

  it('keys gate instruction fetches on arm64 (POE) and not on x86 (PKU)', () => {
    expect(rig({ arch: 'arm64' }).m.keysGateFetch).toBe(true);
    expect(rig({ arch: 'x86_64' }).m.keysGateFetch).toBe(false);
  });
});
