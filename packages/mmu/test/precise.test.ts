import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('precise TLB model (DESIGN §2)', () => {
  it('caches fill only on walks: a hit costs no walk, a miss one walk and one fill', () => {
    const { m, table, data } = rig({ tlb: 'precise', cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, mm);
    m.setRoot(1, mm);
    m.access(0, USER_VA, Access.READ, Mode.USER);
    m.access(0, USER_VA, Access.READ, Mode.USER);
    expect([m.counter('walk'), m.counter('fill')]).toEqual([1, 1]);
    // CPU 1 never walked it: changing the PTE leaves nothing stale there (not cached).
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    expect(m.cachedTranslations(m.lookup(mm, USER_VA).pfn)).toHaveLength(0);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
  });

  it('speculative walks fill caches without an access (spec linux.md §1 "Both may be filled by speculative walks")', () => {
    const { m, table, data } = rig({ tlb: 'precise', cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const p = data();
    m.setLeaf(mm, USER_VA, 1, p, RW_USER);
    m.setRoot(0, mm);
    expect(m.speculate(0, USER_VA)).toBe(true);
    m.clearEntry(mm, USER_VA, 1);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(p);
  });

  it('finite capacity: with 2 entries the third page evicts the least recently used', () => {
    const { m, table, data } = rig({
      tlb: 'precise',
      cpus: 1,
      tlbEntries: 2,
      tlbAssociativity: 2,
      walkCacheEntries: 0,
    });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    for (let i = 0; i < 3; i++) m.setLeaf(mm, USER_VA + i * 4096, 1, data(), RW_USER);
    m.setRoot(0, mm);
    for (let i = 0; i < 3; i++) m.access(0, USER_VA + i * 4096, Access.READ, Mode.USER);
    expect(m.counter('walk')).toBe(3);
    m.access(0, USER_VA + 2 * 4096, Access.READ, Mode.USER); // hit
    expect(m.counter('walk')).toBe(3);
    m.access(0, USER_VA, Access.READ, Mode.USER); // evicted: walks again
    expect(m.counter('walk')).toBe(4);
  });

  it('walk-cache entries survive a last-level TLBI and lead the next walk into the unlinked table', () => {
    const { m, table, data } = rig({ arch: 'arm64', tlb: 'precise', cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    const pte = table();
    m.setTable(mm, USER_VA, 2, pte);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setLeaf(mm, USER_VA + 4096, 1, data(), RW_USER);
    m.setRoot(0, mm);
    m.access(0, USER_VA, Access.READ, Mode.USER);
    m.clearEntry(mm, USER_VA, 2); // unlink the PTE table with its entries still in it
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 1 });
    m.dsb(0);
    m.frames.free(pte);
    expect(m.staleWalkToFreedTable()).toBe(true);
    expect(m.access(0, USER_VA + 4096, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT); // freed table reads empty
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 });
    m.dsb(0);
    expect(m.staleWalkToFreedTable()).toBe(false);
  });
});
