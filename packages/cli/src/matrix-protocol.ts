// Messages between a parallel `compare` and its workers. Pairs are numbered in the serial order
// (scenario-major, selection-minor: pair = scenario × selections + selection), so the parent can put every
// result back where the serial loop would have put it, whatever order the workers finish in.
import type { ResolvedSelection } from '@shootdown/core';
import type { RecordedTrace, RunResult, Scenario } from '@shootdown/engine';

export interface MatrixWorkerData {
  /** Plug-in package folders, in the order the CLI loaded them (registration order decides names). */
  readonly pluginRoots: readonly string[];
}

export type ToWorker =
  /** The matrix, once, before its first run: scenarios already loaded and validated by the parent. */
  | {
      readonly type: 'matrix';
      readonly scenarios: readonly Scenario[];
      readonly selections: readonly ResolvedSelection[];
      /** Record every run for `--trace` and send the recording with its result. */
      readonly trace: boolean;
      /** `run --breakdown`: the path of the step whose cost each result breaks down. */
      readonly breakdown?: string;
    }
  | { readonly type: 'run'; readonly pair: number };

export type ToParent =
  | { readonly type: 'ready' }
  | {
      readonly type: 'result';
      readonly pair: number;
      readonly result: RunResult;
      readonly trace?: RecordedTrace;
    }
  /** A bug, not a finding: the runner reports user-level problems inside the result. pair -1: start-up. */
  | {
      readonly type: 'failed';
      readonly pair: number;
      readonly message: string;
      readonly stack: string | undefined;
    };
