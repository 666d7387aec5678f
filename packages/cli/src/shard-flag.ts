// `--shard i/n` (the Playwright/vitest convention, 1-based): this process runs the i-th of n
// deterministic shares of the run's (scenario × selection) pairs and writes a results file instead of a
// report; `shootdown merge` puts the n files back together. Pairs are numbered in the serial order
// (matrix-protocol.ts) and dealt round-robin — pair p belongs to shard (p mod n) + 1 — so shards stay
// balanced when one scenario is much heavier than the rest, and every pair belongs to exactly one shard.
import { Flags } from './oclif.js';
import { InputError } from './errors.js';

export interface ShardSpec {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export const shardFlag = {
  shard: Flags.string({
    summary:
      'Run only shard i of n (1-based, e.g. 2/4) and write its results file to --out; `shootdown merge` combines the n files.',
  }),
};

const SHARD = /^([0-9]+)\/([0-9]+)$/;
/** More shards than this is a typo, not a sweep: every shard starts its own process. */
export const MAX_SHARDS = 10_000;

export function parseShardFlag(given: string | undefined): ShardSpec | undefined {
  if (given === undefined) return undefined;
  const m = SHARD.exec(given.trim());
  const expected = 'expected i/n with 1 ≤ i ≤ n, e.g. --shard 2/4';
  if (m === null) throw new InputError(`--shard ${given}: ${expected}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) {
    throw new InputError(`--shard ${given}: the shard count must be 1 to ${MAX_SHARDS}; ${expected}`);
  }
  if (index < 1 || index > count) {
    throw new InputError(`--shard ${given}: shards are numbered 1 to ${count}; ${expected}`);
  }
  return { index, count };
}

/** The pairs (serial numbers below `total`) that shard `spec` runs, ascending. */
export function pairsOfShard(total: number, spec: ShardSpec): number[] {
  const out: number[] = [];
  for (let p = spec.index - 1; p < total; p += spec.count) out.push(p);
  return out;
}
