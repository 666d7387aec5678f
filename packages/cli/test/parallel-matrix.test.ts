import { describe, expect, it } from 'vitest';
import { workerCount } from '../src/parallel-matrix.js';

// The task's rule for `compare --jobs`: one worker per core by default, never more workers than pairs, and
// serial (1) when there is one pair or one core.
describe('workerCount', () => {
  it('is serial for one pair, whatever the cores', () => {
    expect(workerCount(1, 8)).toBe(1);
  });

  it('is serial on one core or with --jobs 1', () => {
    expect(workerCount(100, 1)).toBe(1);
  });

  it('never starts more workers than there are pairs', () => {
    expect(workerCount(3, 8)).toBe(3);
  });

  it('uses every job it is given when there is work for them', () => {
    expect(workerCount(1596, 4)).toBe(4);
  });
});
