import { describe, expect, it } from 'vitest';
import { Progress, type ProgressSink } from '../src/progress.js';

function sink(isTTY: boolean): ProgressSink & { chunks: string[] } {
  const chunks: string[] = [];
  return { isTTY, columns: 80, chunks, write: (c: string) => chunks.push(c) > 0 };
}

// DESIGN §6: long runs show progress on a TTY and stay quiet otherwise.
describe('progress', () => {
  it('writes nothing when stderr is not a terminal', () => {
    const s = sink(false);
    const p = new Progress(3, s);
    p.step('a');
    p.advance();
    p.finish();
    expect(s.chunks).toEqual([]);
  });

  it('shows a counter per job on a terminal and clears the line at the end', () => {
    const s = sink(true);
    const p = new Progress(2, s);
    p.step('first');
    p.advance();
    p.step('second');
    p.advance();
    p.finish();
    expect(s.chunks.join('')).toContain('[1/2] first');
    expect(s.chunks.join('')).toContain('[2/2] second');
    expect(s.chunks.at(-1)).toBe('\r\x1b[2K');
  });

  it('stays quiet for a single job even on a terminal', () => {
    const s = sink(true);
    new Progress(1, s).step('only');
    expect(s.chunks).toEqual([]);
  });
});
