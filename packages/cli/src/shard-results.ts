// The results file a `compare --shard i/n` writes and `shootdown merge` reads (schemas/
// shard-results.schema.json). Each file names the whole run it is a share of — scenarios, selections,
// --set/--sweep/--expect/--format, the version, and a digest over the loaded scenarios and resolved
// selections — so shards of two different runs (another scenario file, another variant, another release)
// are refused instead of merged into a report that no single run would print.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ResolvedSelection } from '@shootdown/core';
import {
  validateShardResults,
  type RecordedTrace,
  type RunResult,
  type Scenario,
  type SweepSpec,
} from '@shootdown/engine';
import { InputError } from './errors.js';
import { pairsOfShard, type ShardSpec } from './shard-flag.js';

export const SHARD_RESULTS_FORMAT = 'shootdown-shard-results/1';

export interface RunIdentity {
  readonly command: 'compare';
  readonly version: string;
  readonly scenarios: readonly string[];
  readonly selections: readonly string[];
  readonly set: Readonly<Record<string, unknown>>;
  readonly sweep?: SweepSpec;
  readonly expect?: string;
  readonly format: string;
  readonly only?: string;
  readonly trace: boolean;
  readonly pairs: number;
  readonly digest: string;
}

export interface ShardPair {
  readonly pair: number;
  readonly result: RunResult;
  readonly trace?: RecordedTrace;
}

export interface ShardResults {
  readonly format: typeof SHARD_RESULTS_FORMAT;
  readonly run: RunIdentity;
  readonly shard: ShardSpec;
  readonly pairs: readonly ShardPair[];
}

/** JSON with bigints as decimal strings: only ever hashed, never parsed back. */
export function hashable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** The identity of a run: the fields a user typed plus a digest of what they resolved to. */
export function runIdentity(
  fields: Omit<RunIdentity, 'command' | 'digest' | 'scenarios' | 'selections' | 'pairs'>,
  scenarios: readonly Scenario[],
  selections: readonly ResolvedSelection[],
): RunIdentity {
  const base = {
    command: 'compare' as const,
    version: fields.version,
    scenarios: scenarios.map((s) => s.name),
    selections: selections.map((s) => s.text),
    set: fields.set,
    ...(fields.sweep === undefined ? {} : { sweep: fields.sweep }),
    ...(fields.expect === undefined ? {} : { expect: fields.expect }),
    format: fields.format,
    ...(fields.only === undefined ? {} : { only: fields.only }),
    trace: fields.trace,
    pairs: scenarios.length * selections.length,
  };
  const digest = createHash('sha256')
    .update(hashable({ ...base, loaded: scenarios, resolved: selections }))
    .digest('hex');
  return { ...base, digest };
}

export function shardResultsText(run: RunIdentity, shard: ShardSpec, pairs: readonly ShardPair[]): string {
  const doc: ShardResults = { format: SHARD_RESULTS_FORMAT, run, shard, pairs };
  return `${JSON.stringify(doc)}\n`;
}

/** A results file's text parsed as JSON; a file that cannot be read or is not JSON is an InputError. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError(`${file}: not a shootdown results file: ${(e as Error).message}`);
  }
}

/** `doc` checked against its schema: the first problems named, as an InputError. */
export function checkSchema<T>(
  file: string,
  doc: unknown,
  format: string,
  validate: (v: unknown) => string[],
): T {
  const problems = validate(doc);
  if (problems.length > 0) {
    const [first, ...rest] = problems.slice(0, 10);
    throw new InputError(`${file}: not a shootdown results file (${format}): ${first}`, rest);
  }
  const r = doc as T & { shard: ShardSpec };
  if (r.shard.index > r.shard.count) {
    throw new InputError(`${file}: shard ${r.shard.index}/${r.shard.count}: the index exceeds the count`);
  }
  return r;
}

/** Reads and checks one file; every problem is an InputError naming the file. */
export function readShardResults(file: string): ShardResults {
  const r = checkSchema<ShardResults>(file, readJsonFile(file), SHARD_RESULTS_FORMAT, validateShardResults);
  const want = pairsOfShard(r.run.pairs, r.shard);
  const got = r.pairs.map((p) => p.pair);
  if (want.length !== got.length || want.some((p, i) => got[i] !== p)) {
    throw new InputError(
      `${file}: shard ${r.shard.index}/${r.shard.count} of ${r.run.pairs} pairs must hold pairs ` +
        `${want.join(', ') || 'none'}; it holds ${got.join(', ') || 'none'}`,
    );
  }
  return r;
}

/** What every kind of shard file holds: the identity of its run and which shard it is. */
interface AnyShard {
  readonly run: { readonly digest: string };
  readonly shard: ShardSpec;
}

/**
 * The shards of one run, each exactly once: shards of different runs (digests or counts differ), a shard
 * given twice and a missing shard are InputErrors naming the files; `describe` says what a run is.
 */
export function checkShardSet<T extends AnyShard>(
  docs: readonly { readonly file: string; readonly doc: T }[],
  describe: (run: T['run']) => string,
): void {
  if (docs.length === 0) throw new InputError('merge needs the results files of every shard');
  const first = docs[0]!;
  for (const d of docs.slice(1)) {
    if (d.doc.run.digest !== first.doc.run.digest || d.doc.shard.count !== first.doc.shard.count) {
      throw new InputError(`shards of different runs: ${first.file} and ${d.file}`, [
        `${first.file}: shard ${first.doc.shard.index}/${first.doc.shard.count} of ${describe(first.doc.run)}`,
        `${d.file}: shard ${d.doc.shard.index}/${d.doc.shard.count} of ${describe(d.doc.run)}`,
      ]);
    }
  }
  const count = first.doc.shard.count;
  const byIndex = new Map<number, string>();
  for (const d of docs) {
    const seen = byIndex.get(d.doc.shard.index);
    if (seen !== undefined) {
      throw new InputError(`shard ${d.doc.shard.index}/${count} is given twice: ${seen} and ${d.file}`);
    }
    byIndex.set(d.doc.shard.index, d.file);
  }
  const missing: number[] = [];
  for (let i = 1; i <= count; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0) {
    throw new InputError(
      `missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} ` +
        `of ${describe(first.doc.run)}`,
    );
  }
}

function describeRun(run: RunIdentity): string {
  const what = `${run.scenarios.join(' ')} under ${run.selections.join(', ')}`;
  return `${what.length > 120 ? `${what.slice(0, 117)}…` : what} (digest ${run.digest.slice(0, 12)})`;
}

/**
 * The files of one run, every shard once: the identity they share and every pair's result in serial
 * order (with its recording where the run kept one).
 */
export function mergeShards(files: readonly string[]): {
  run: RunIdentity;
  results: RunResult[];
  traces: (RecordedTrace | undefined)[];
} {
  if (files.length === 0) throw new InputError('merge needs the results files of every shard');
  const docs = files.map((f) => ({ file: f, doc: readShardResults(f) }));
  checkShardSet(docs, describeRun);
  const first = docs[0]!;
  const results = new Array<RunResult>(first.doc.run.pairs);
  const traces = new Array<RecordedTrace | undefined>(first.doc.run.pairs);
  for (const d of docs) {
    for (const p of d.doc.pairs) {
      results[p.pair] = p.result;
      traces[p.pair] = p.trace;
    }
  }
  return { run: first.doc.run, results, traces };
}
