// A scaling sweep (issue 12 item 5): one scenario, the same selections, run once per value of one
// parameter; per value and selection the run's latency and work totals. The sweep is laid out here, once,
// and drawn by render/sweep.ts — the CLI only parses `--sweep name=v1,v2,…`.
import type { RunResult } from '../result/types.js';
import type { ParamValue } from '../scenario/types.js';

/** What `--sweep` asked for: a param name and its values, in the order given. */
export interface SweepSpec {
  readonly param: string;
  readonly values: readonly unknown[];
}

/** One selection's totals at one value. */
export interface SweepCell {
  readonly selection: string;
  /** Latency total: the sum of the steps' latencies on their initiating CPUs (INVLPG units). */
  readonly latency: number;
  /** Work total over all CPUs (INVLPG units). */
  readonly work: number;
}

export interface SweepPoint {
  readonly value: ParamValue;
  /** One cell per selection, in the selections' order. */
  readonly cells: readonly SweepCell[];
}

export interface SweepResult {
  readonly scenario: string;
  readonly param: string;
  /** Selections as written canonically, in the order given. */
  readonly selections: readonly string[];
  /** Cost unit of latency and work. */
  readonly unit: 'invlpg';
  readonly points: readonly SweepPoint[];
}

/** A sweep that cannot be run; the message says why (the CLI turns it into exit 2, nothing run). */
export class SweepError extends Error {}

/**
 * The `--set` overrides of each run of the sweep: the caller's overrides plus the swept param. Whether
 * the param exists and the value has its type is the loader's judgement (scenario/overrides.ts), applied
 * to every value before anything runs.
 */
export function sweepOverrides(
  spec: SweepSpec,
  set: Readonly<Record<string, unknown>>,
): Record<string, unknown>[] {
  if (spec.values.length === 0) {
    throw new SweepError(`--sweep ${spec.param}=: expected at least one value (e.g. --sweep cpus=2,4,8)`);
  }
  if (Object.hasOwn(set, spec.param)) {
    throw new SweepError(`--sweep ${spec.param}: the same param is also given with --set; drop one of them`);
  }
  const seen = new Set<string>();
  for (const v of spec.values) {
    const key = JSON.stringify(v);
    if (seen.has(key)) throw new SweepError(`--sweep ${spec.param}: value ${key} is given twice`);
    seen.add(key);
  }
  return spec.values.map((v) => ({ ...set, [spec.param]: v }));
}

/**
 * The sweep's table from its runs: `runs[i]` holds the results at `spec.values[i]`, one per selection in
 * the same order at every value. The value shown is the one the run used (`RunResult.params`).
 */
export function sweepResult(spec: SweepSpec, runs: readonly (readonly RunResult[])[]): SweepResult {
  if (runs.length !== spec.values.length || runs.length === 0) {
    throw new Error(`sweep: ${runs.length} sets of runs for ${spec.values.length} values`);
  }
  const selections = runs[0].map((r) => r.selection);
  const points = runs.map((results, i): SweepPoint => {
    const names = results.map((r) => r.selection);
    if (names.join('\n') !== selections.join('\n')) {
      throw new Error(`sweep: value ${i} ran selections ${names.join(', ')}, not ${selections.join(', ')}`);
    }
    const value = results[0]?.params[spec.param] ?? (spec.values[i] as ParamValue);
    return {
      value,
      cells: results.map((r) => ({
        selection: r.selection,
        latency: r.totals.latency,
        work: r.totals.cycles,
      })),
    };
  });
  return { scenario: runs[0][0]?.scenario ?? '', param: spec.param, selections, unit: 'invlpg', points };
}
