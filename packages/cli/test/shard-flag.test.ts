// `--shard i/n`: the Playwright/vitest convention (1-based), and a deal of the pairs in which every pair
// belongs to exactly one shard.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { pairsOfShard, parseShardFlag } from '../src/shard-flag.js';

describe('parseShardFlag', () => {
  it('reads i/n, 1-based', () => {
    expect(parseShardFlag('1/4')).toEqual({ index: 1, count: 4 });
    expect(parseShardFlag('4/4')).toEqual({ index: 4, count: 4 });
    expect(parseShardFlag('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShardFlag(undefined)).toBeUndefined();
  });

  it.each(['0/4', '5/4', 'a/b', '1/0', '1/', '/4', '-1/4', '1.5/4', '1/4/2', '', '1/10001'])(
    'refuses %j as bad input',
    (given) => {
      expect(() => parseShardFlag(given)).toThrow(InputError);
    },
  );
});

describe('pairsOfShard', () => {
  it('deals pairs round-robin', () => {
    expect(pairsOfShard(10, { index: 1, count: 4 })).toEqual([0, 4, 8]);
    expect(pairsOfShard(10, { index: 4, count: 4 })).toEqual([3, 7]);
    expect(pairsOfShard(2, { index: 3, count: 4 })).toEqual([]);
  });

  it('gives every pair to exactly one shard', () => {
    for (const total of [0, 1, 7, 18, 64]) {
      for (const count of [1, 2, 3, 4, 7, 20]) {
        const seen = new Array<number>(total).fill(0);
        for (let index = 1; index <= count; index++) {
          for (const p of pairsOfShard(total, { index, count })) seen[p]!++;
        }
        expect(seen.every((c) => c === 1)).toBe(true);
      }
    }
  });
});
