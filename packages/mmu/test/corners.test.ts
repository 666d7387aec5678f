// Corners of the machine no scenario-sized test reached (found by coverage and mutation runs): refusals
// of stores that cannot be made, which tags a CPU translates with in each regime, free-frame summaries.
import { describe, expect, it } from 'vitest';
import { EL2_TAG, GLOBAL_TAG, LEVEL_SIZE, Pte, levelSize } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

describe('refusals', () => {
  it('ensurePath refuses to build tables under a large leaf: the OS must split it first', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    m.setLeaf(mm, USER_VA, 2, 512, Pte.USER);
    expect(() => m.ensurePath(mm, USER_VA + 4096, 1, table)).toThrow(
      /level-2 leaf maps 40001000; split it first/,
    );
    // Building down to the leaf's own level needs nothing.
    expect(m.ensurePath(mm, USER_VA, 2, table)).toBe(0);
  });

  it('retireSpace: only user (EL1&0) spaces, never the kernel space', () => {
    const { m, kernel, table } = rig({ arch: 'arm64', cpus: 1 });
    const vm = m.createStage2Space(1, table);
    expect(() => m.retireSpace(vm)).toThrow(/not an EL1&0 space/);
    expect(() => m.retireSpace(kernel)).toThrow(/kernel space is never retired/);
  });

  it('storeInTable refuses a pointer in a level-1 table and a leaf in a level-4 table', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const [l4, , , l1] = m.lookup(mm, USER_VA).tables;
    expect(() => m.storeInTable(l1, 0, Pte.TABLE, table())).toThrow(/level-1 table/);
    expect(() => m.storeInTable(l4, 0, Pte.USER, 5)).toThrow(/no leaf at level 4/);
    expect(() => m.storeInTable(l1, 512, Pte.USER, 5)).toThrow(/index 512 outside 0..511/);
    expect(() => m.storeInTable(l1, -1, Pte.USER, 5)).toThrow(/outside/);
  });
});

describe('tags a CPU translates with (DESIGN §3)', () => {
  it('its ASID, global entries always, EL2 entries while TTBR0_EL2 holds a root, its guest’s stage-2 tag', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 2 });
    const mm = m.createSpace(3, table);
    m.setRoot(0, mm);
    expect([m.tagLoaded(0, 3), m.tagLoaded(1, 3), m.tagLoaded(1, GLOBAL_TAG)]).toEqual([true, false, true]);
    expect(m.tagLoaded(0, EL2_TAG)).toBe(false);
    const hyp = m.createEl2Space(table);
    m.enterRegime(1, { el: 2, el2: hyp });
    expect(m.tagLoaded(1, EL2_TAG)).toBe(true);
    expect(m.tagLoaded(0, EL2_TAG)).toBe(false);
  });
});

describe('free-frame summary', () => {
  it('anyFree answers per 2 MiB chunk', () => {
    const { m } = rig({ cpus: 1, memory: '8MiB' });
    expect(m.frames.anyFree(0, 2048)).toBe(true);
    // Take every free frame of the third 2 MiB chunk.
    for (let f = 1024; f < 1536; f++) if (m.frames.isFree(f)) m.frames.setTag(f, 'data');
    expect([
      m.frames.anyFree(1024, 1536),
      m.frames.anyFree(1100, 1200),
      m.frames.anyFree(1024, 1537),
    ]).toEqual([false, false, true]);
    m.frames.free(1300);
    expect(m.frames.anyFree(1024, 1100)).toBe(true); // the chunk has a free frame, though not in range
  });

  it('levelSize: bytes one entry maps at each level', () => {
    expect([1, 2, 3, 4].map((l) => levelSize(l as 1))).toEqual([4096, 2 ** 21, 2 ** 30, 2 ** 39]);
    expect(levelSize(2)).toBe(LEVEL_SIZE[2]);
  });
});
