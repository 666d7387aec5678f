// The results file of `explore --shard i/n` (schemas/explore-shard-results.schema.json) and its merge.
// A shard runs the seed's scenarios k with (k − 1) mod n = i − 1 (explore/search.ts) and stops at its
// first divergence or run error; the unsharded run stops at the lowest such k over all shards, having
// drawn k scenarios — or, when no shard stopped, having drawn all --runs. That is the whole merge.
import { createHash } from 'node:crypto';
import type { ResolvedSelection } from '@shootdown/core';
import { validateExploreShardResults } from '@shootdown/engine';
import { InputError } from '../errors.js';
import { checkSchema, checkShardSet, hashable } from '../shard-results.js';
import type { ShardSpec } from '../shard-flag.js';
import type { ExploreOutcome, ExploreStop } from './report.js';

export const EXPLORE_SHARD_FORMAT = 'shootdown-explore-shard/1';

export interface ExploreRunIdentity {
  readonly command: 'explore';
  readonly version: string;
  readonly selections: readonly string[];
  readonly seed: number;
  readonly runs: number;
  readonly maxSteps: number;
  readonly only?: string;
  readonly costRatio?: number;
  readonly digest: string;
}

export interface ExploreShardResults {
  readonly format: typeof EXPLORE_SHARD_FORMAT;
  readonly run: ExploreRunIdentity;
  readonly shard: ShardSpec;
  readonly drawn: number;
  readonly stop?: ExploreStop;
}

/** The identity of an explore run: what the user typed, and a digest of what it resolved to. */
export function exploreIdentity(
  fields: Omit<ExploreRunIdentity, 'command' | 'digest' | 'selections'>,
  selections: readonly ResolvedSelection[],
  vocabulary: unknown,
): ExploreRunIdentity {
  const base = { command: 'explore' as const, ...fields, selections: selections.map((s) => s.text) };
  const digest = createHash('sha256')
    .update(hashable({ ...base, resolved: selections, vocabulary }))
    .digest('hex');
  return { ...base, digest };
}

export function exploreShardText(
  run: ExploreRunIdentity,
  shard: ShardSpec,
  drawn: number,
  stop: ExploreStop | undefined,
): string {
  const doc: ExploreShardResults = {
    format: EXPLORE_SHARD_FORMAT,
    run,
    shard,
    drawn,
    ...(stop === undefined ? {} : { stop }),
  };
  return `${JSON.stringify(doc)}\n`;
}

/** Whether a parsed results file is an explore shard's (merge picks its path by this). */
export function isExploreShard(doc: unknown): boolean {
  return (
    typeof doc === 'object' && doc !== null && (doc as { format?: unknown }).format === EXPLORE_SHARD_FORMAT
  );
}

function describeRun(run: ExploreRunIdentity): string {
  return `explore --seed ${run.seed} --runs ${run.runs} under ${run.selections.join(', ')} (digest ${run.digest.slice(0, 12)})`;
}

/** The shards of one explore run (every problem an InputError) → what the unsharded explore reports. */
export function mergeExploreShards(files: readonly { file: string; doc: unknown }[]): ExploreOutcome {
  const docs = files.map(({ file, doc }) => ({
    file,
    doc: checkSchema<ExploreShardResults>(file, doc, EXPLORE_SHARD_FORMAT, validateExploreShardResults),
  }));
  checkShardSet(docs, describeRun);
  const { run } = docs[0]!.doc;
  let stop: ExploreStop | undefined;
  for (const { file, doc } of docs) {
    const s = doc.stop;
    if (s === undefined) continue;
    // a shard stops only at a scenario of its own share, within the run
    if ((s.scenario - 1) % doc.shard.count !== doc.shard.index - 1 || s.scenario > run.runs) {
      throw new InputError(
        `${file}: shard ${doc.shard.index}/${doc.shard.count} of ${run.runs} scenarios cannot stop at scenario ${s.scenario}: it is not in its share`,
      );
    }
    if (stop === undefined || s.scenario < stop.scenario) stop = s;
  }
  return {
    selections: run.selections,
    seed: run.seed,
    runs: stop === undefined ? run.runs : stop.scenario,
    ...(stop === undefined ? {} : { stop }),
  };
}
