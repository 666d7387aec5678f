// The reverse view keeps a frame's writable / executable / after-free counts in 16 bits (reverse.ts), so a
// frame takes at most 65535 valid translations and 65535 stale ones. The 65536th is refused with the
// frame's number, whichever store path brings it (setLeaf, a run of setLeaves, a block leaf, a stale
// record): a count that wrapped to zero would hide a W+X alias or a use-after-free.
import { describe, expect, it } from 'vitest';
import { LEVEL_SIZE, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;
const LIMIT = 0xffff;
const PAGE = LEVEL_SIZE[1];
const BLOCK = LEVEL_SIZE[2];

describe('at most 65535 translations of one frame', () => {
  /** A space mapping frame `f` at 65535 consecutive 4 KiB pages from USER_VA, paths for one page more. */
  function full4k() {
    const { m, table, data } = rig({ memory: '16MiB' });
    const mm = m.createSpace(1, table);
    const f = data();
    for (let i = 0; i <= LIMIT; i += 512) m.ensurePath(mm, USER_VA + i * PAGE, 1, table);
    for (let i = 0; i < LIMIT; i++) m.setLeaf(mm, USER_VA + i * PAGE, 1, f, RW_USER);
    return { m, mm, f, last: USER_VA + LIMIT * PAGE };
  }

  it('4 KiB leaves: 65535 are counted; the 65536th by setLeaf is refused', () => {
    const { m, mm, f, last } = full4k();
    expect(m.reachers(f)).toMatchObject({ valid: LIMIT, validWritable: LIMIT, stale: 0 });
    expect(() => m.setLeaf(mm, last, 1, f, RW_USER)).toThrow(`frame ${f}: more than 65535 translations`);
  });

  it('4 KiB leaves: the 65536th by a run of setLeaves (counted per stretch, validRun) is refused', () => {
    const { m, mm, f, last } = full4k();
    expect(() => m.setLeaves(mm, last, 1, 1, f, RW_USER)).toThrow(`frame ${f}: more than 65535 translations`);
  });

  it('stale records: the 65536th stale translation of a frame is refused', () => {
    const { m, table, data } = rig({ memory: '16MiB' });
    const mm = m.createSpace(1, table);
    const f = data();
    for (let i = 0; i <= LIMIT; i += 512) m.ensurePath(mm, USER_VA + i * PAGE, 1, table);
    for (let i = 0; i < LIMIT; i++) m.setLeaf(mm, USER_VA + i * PAGE, 1, f, RW_USER);
    // CPU 0 runs the space: in the adversarial model it may hold every leaf, so each clear leaves a
    // stale record (DESIGN §2).
    m.setRoot(0, mm);
    for (let i = 0; i < LIMIT; i++) m.clearEntry(mm, USER_VA + i * PAGE, 1);
    expect(m.reachers(f)).toMatchObject({ valid: 0, stale: LIMIT });
    const last = USER_VA + LIMIT * PAGE;
    m.setLeaf(mm, last, 1, f, RW_USER);
    expect(() => m.clearEntry(mm, last, 1)).toThrow(`frame ${f}: more than 65535 stale translations`);
  });

  it('2 MiB blocks, counted once per chunk: the 65536th block onto one chunk is refused', () => {
    const { m, table } = rig({ memory: '16MiB' });
    const mm = m.createSpace(1, table);
    // Frames 512..1023: the second 2 MiB chunk, a block's aligned output (Arm ARM D8.3; SDM §4.5).
    const chunk = 512;
    const base = 0x100_0000_0000;
    for (let i = 0; i <= LIMIT; i += 512) m.ensurePath(mm, base + i * BLOCK, 2, table);
    for (let i = 0; i < LIMIT; i++) m.setLeaf(mm, base + i * BLOCK, 2, chunk, RW_USER);
    expect(m.reachers(chunk + 17)).toMatchObject({ valid: LIMIT, validWritable: LIMIT });
    expect(() => m.setLeaf(mm, base + LIMIT * BLOCK, 2, chunk, RW_USER)).toThrow(
      `frame ${chunk}: more than 65535 translations`,
    );
    expect(m.reachers(chunk + 511).valid).toBe(LIMIT);
  });
});
