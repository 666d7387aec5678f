// What `explore` prints once its search stopped — the scenario written (stdout or --out), the line on
// stderr, the exit code — shared with `shootdown merge`, which reaches the same point from the results
// files of `explore --shard`: one code path, so a merged explore is byte-identical to the unsharded one.
import { writeFileAtomic } from '../atomic-write.js';
import type { CommandIO } from '../base-command.js';

/** Where a search stopped, as a results file keeps it (schemas/explore-shard-results.schema.json `stop`). */
export type ExploreStop =
  | {
      readonly kind: 'divergence';
      /** k: the scenario's number in the seed's order. */
      readonly scenario: number;
      readonly signature: string;
      readonly shrinks: number;
      readonly steps: number;
      readonly yaml: string;
    }
  | {
      readonly kind: 'run-error';
      readonly scenario: number;
      readonly runErrors: readonly string[];
      readonly steps: number;
      readonly yaml: string;
    };

export interface ExploreOutcome {
  readonly selections: readonly string[];
  readonly seed: number;
  /** Scenarios drawn: up to the stop, or all of them. */
  readonly runs: number;
  readonly stop?: ExploreStop;
}

export interface ExploreOutput {
  readonly selections: readonly string[];
  readonly seed: number;
  /** Scenarios generated and run before the first divergence (or all of them). */
  readonly runs: number;
  readonly found: boolean;
  /** With a divergence: what it is, the shrunk scenario's steps and YAML, and where it was written. */
  readonly signature?: string;
  readonly steps?: number;
  readonly shrinks?: number;
  readonly yaml?: string;
  readonly file?: string;
  /** A scenario whose run did not complete (exit 3): each such run, as compare names it. */
  readonly runErrors?: readonly string[];
  /** With --shard: the results file written (the merge prints the report). */
  readonly shard?: { readonly index: number; readonly count: number; readonly file: string };
}

/** Writes the scenario where the search stopped and says what happened; returns the `--json` document. */
export function reportExplore(o: ExploreOutcome, out: string | undefined, io: CommandIO): ExploreOutput {
  const base = { selections: o.selections, seed: o.seed, runs: o.runs };
  const stop = o.stop;
  if (stop === undefined) {
    if (!io.json) io.stderrLine(`explore: no divergence in ${o.runs} scenarios (seed ${o.seed})`);
    return { ...base, found: false };
  }
  if (out !== undefined) writeFileAtomic(out, stop.yaml);
  else if (!io.json) io.stdoutText(stop.yaml);
  const file = out === undefined ? {} : { file: out };
  if (stop.kind === 'run-error') {
    if (!io.json) {
      io.stderrLine(
        `explore: scenario ${stop.scenario} of seed ${o.seed} did not complete under every selection; written as drawn (${stop.steps} steps)`,
      );
    }
    for (const e of stop.runErrors) io.reportRunError(e);
    return { ...base, found: false, steps: stop.steps, yaml: stop.yaml, ...file, runErrors: stop.runErrors };
  }
  io.reportFinding(
    `explore: scenario ${stop.scenario} of seed ${o.seed} diverges (${stop.signature}); shrunk in ${stop.shrinks} steps to ${stop.steps} steps`,
  );
  return {
    ...base,
    found: true,
    signature: stop.signature,
    steps: stop.steps,
    shrinks: stop.shrinks,
    yaml: stop.yaml,
    ...file,
  };
}
