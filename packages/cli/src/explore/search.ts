// The search of `explore`: fast-check draws the seed's scenarios one after another (scenario k from the
// seed jumped k times — fast-check's `toss`, so scenario k depends only on the seed and k, never on what
// the property answered before), each runs contained under the selections, and the first that diverges
// is shrunk by fast-check. With `--shard i/n` the same stream is drawn but only the scenarios k with
// (k − 1) mod n = i − 1 run; the others pass untouched. A shard's first divergence is therefore found and
// shrunk exactly as the unsharded run would find and shrink it, and the unsharded run stops at the lowest
// such k over all shards — which is how `merge` rebuilds its result (explore/shard.ts).
//
// A scenario whose run does not complete (a time or heap limit, a policy that threw: compare's `error`
// column) stops the search too: that is a plug-in's bug, reported as compare reports it. It is written as
// drawn, not shrunk — every shrink candidate could cost a whole time limit.
import type { Arbitrary } from 'fast-check';
import type { RunResult } from '@shootdown/engine';
import type { ShardSpec } from '../shard-flag.js';
import type { Reproducer } from '../minimize/reproduce.js';
import { signatureOf, type SignatureMode } from '../minimize/signature.js';
import { Progress } from '../progress.js';
import type { Draft } from './scenario-arbitrary.js';

type FastCheck = typeof import('fast-check').default;

export interface SearchSpec {
  readonly seed: number;
  readonly runs: number;
  /** Seconds; then not deterministic (never with a shard). */
  readonly time?: number;
  readonly shard?: ShardSpec;
  readonly mode: SignatureMode;
  readonly costRatio?: number;
}

export type SearchStop =
  | {
      readonly kind: 'divergence';
      readonly scenario: number;
      readonly draft: Draft;
      readonly shrinks: number;
    }
  | {
      readonly kind: 'run-error';
      readonly scenario: number;
      readonly draft: Draft;
      readonly results: readonly RunResult[];
    };

export interface SearchResult {
  /** Scenarios of the seed drawn, the stopping one included (the other shards' too). */
  readonly drawn: number;
  readonly stop?: SearchStop;
}

/** Whether scenario k (1-based) of the seed is this shard's to run. */
export function inShard(k: number, shard: ShardSpec | undefined): boolean {
  return shard === undefined || (k - 1) % shard.count === shard.index - 1;
}

export async function search(
  fc: FastCheck,
  arbitrary: Arbitrary<Draft>,
  build: (draft: Draft) => unknown,
  check: Reproducer,
  spec: SearchSpec,
): Promise<SearchResult> {
  // 'search' until the first stop; then fast-check shrinks a divergence ('shrink'), or is let go through
  // the candidates of a run error without running them ('error')
  let phase = 'search' as 'search' | 'shrink' | 'error';
  let drawn = 0;
  let failing: { draft: Draft; results: readonly RunResult[] } | undefined;
  const progress = new Progress(spec.runs);
  const property = fc.asyncProperty(arbitrary, async (draft) => {
    if (phase === 'error') return true;
    if (phase === 'search') {
      drawn++;
      if (!inShard(drawn, spec.shard)) return true;
      progress.step(`scenario ${drawn}`);
      progress.advance();
    }
    const results = await check.results(build(draft));
    // a draft the loader refuses does not count (the builder's references are valid by construction)
    if (results === undefined) return true;
    if (results.some((r) => r.error !== undefined)) {
      // a run that did not complete while shrinking: the candidate does not reproduce
      if (phase === 'shrink') return true;
      phase = 'error';
      failing = { draft, results };
      return false;
    }
    const sig = signatureOf(results, spec.mode, spec.costRatio);
    const interesting = sig !== undefined && sig.interesting;
    if (interesting && phase === 'search') phase = 'shrink';
    return !interesting;
  });
  let result;
  try {
    result = await fc.check(property, {
      seed: spec.seed,
      numRuns: spec.time === undefined ? spec.runs : Number.MAX_SAFE_INTEGER,
      ...(spec.time === undefined ? {} : { interruptAfterTimeLimit: spec.time * 1000 }),
    });
  } finally {
    progress.finish();
  }
  if (!result.failed || result.counterexample === null) return { drawn: result.numRuns };
  if (failing !== undefined) {
    return {
      drawn,
      stop: { kind: 'run-error', scenario: drawn, draft: failing.draft, results: failing.results },
    };
  }
  if (phase !== 'shrink') {
    // the property threw (a bug of ours, not a finding): fast-check reports it as a failure
    throw result.errorInstance instanceof Error
      ? result.errorInstance
      : new Error(String(result.errorInstance));
  }
  const [draft] = result.counterexample;
  return { drawn, stop: { kind: 'divergence', scenario: drawn, draft, shrinks: result.numShrinks } };
}
