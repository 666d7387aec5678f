// Messages between the CLI and the worker threads of its run pool (parallel-matrix.ts, a piscina pool).
// Pairs are numbered in the serial order (scenario-major, selection-minor: pair = scenario × selections +
// selection), so the parent can put every result back where the serial loop would have put it, whatever
// order the workers finish in.
import type { ResolvedSelection } from '@shootdown/core';
import type { RecordedTrace, RunResult, Scenario } from '@shootdown/engine';

/** The pool's `workerData`: what every worker loads before it takes a task. */
export interface MatrixWorkerData {
  /** Plug-in package folders, in the order the CLI loaded them (registration order decides names). */
  readonly pluginRoots: readonly string[];
}

/** A matrix: scenarios already loaded and validated by the parent, and the selections to run them under. */
export interface MatrixSpec {
  readonly scenarios: readonly Scenario[];
  readonly selections: readonly ResolvedSelection[];
  /** Record every run for `--trace` and send the recording with its result. */
  readonly trace: boolean;
  /** `run --breakdown`: the path of the step whose cost each result breaks down. */
  readonly breakdown?: string;
}

/**
 * A MatrixSpec serialized once (node:v8, the structured-clone format) into memory the workers share: a
 * task carries only this reference and a pair number, and each worker decodes a matrix once.
 */
export interface SharedMatrix {
  /** Unique within its pool; a worker keeps the last one it decoded. */
  readonly id: number;
  readonly bytes: SharedArrayBuffer;
}

/** One piscina task: run pair `pair` of `matrix`. */
export interface MatrixTask {
  readonly matrix: SharedMatrix;
  readonly pair: number;
}

/** Posted on the worker's parentPort (piscina's `message` event) the moment it starts a pair. */
export interface WorkerEvent {
  readonly type: 'started';
  readonly matrix: number;
  readonly pair: number;
}

/** A task's return value. */
export type ToParent =
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
