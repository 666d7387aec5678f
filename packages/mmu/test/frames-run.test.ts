// Frames.allocRun: the aligned frame run a hardware-level block leaf's output names (a block descriptor's
// output address is aligned to the block: Arm ARM D8.3, Intel SDM Vol. 3A §4.5).
import { describe, expect, it } from 'vitest';
import { createMachine } from '../src/index.js';

describe('Frames.allocRun', () => {
  it('hands out the lowest wholly free run aligned to its length, every frame tagged', () => {
    const m = createMachine({ memory: '8MiB' }); // 2048 frames: 4 runs of 512
    m.frames.setTag(700, 'data'); // spoils the run [512, 1024)
    const first = m.frames.allocAny('page-table'); // frame 0 spoils [0, 512)
    expect(first).toBe(0);
    const run = m.frames.allocRun(512, 'data');
    expect(run).toBe(1024);
    for (const f of [1024, 1500, 1535]) expect(m.frames.tag(f)).toBe('data');
    expect(m.frames.isFree(1536)).toBe(true);
    expect(m.frames.allocRun(512, 'data')).toBe(1536);
    expect(() => m.frames.allocRun(512, 'data')).toThrow(/no free run of 512 frames/);
  });
});
