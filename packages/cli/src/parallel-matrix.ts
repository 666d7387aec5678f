// Every run of `run` and `compare` happens on a worker thread, contained (issue 13): the (scenario,
// selection) pairs of runMatrix shared among workers that start as soon as the plug-ins are known, so
// they import the engine and load the same plug-in folders while this thread is still loading and
// validating the scenarios; then they receive the scenarios already loaded and run one pair at a time as
// this thread hands them out (a queue, not fixed shares, so one slow pair does not leave the other cores
// idle). Each pair runs under a time limit and each worker under a heap limit (run-limits.ts): a pair
// that exceeds either, or whose plug-in throws out of the runner, gets an `error` result naming what
// happened; its worker is replaced and the other pairs complete. Results are put back by pair number, in
// the serial loop's order, and compared here exactly as the serial path compares them — so the report is
// byte-identical to runMatrix's whatever the number of workers.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ResolvedSelection } from '@shootdown/core';
import {
  compareResults,
  errorResult,
  type RecordedTrace,
  type RunResult,
  type Scenario,
} from '@shootdown/engine';
import type { MatrixWorkerData, ToParent, ToWorker } from './matrix-protocol.js';
import { Progress } from './progress.js';
import type { MatrixResult } from './run-matrix.js';
import { DEFAULT_MAX_MEMORY_MIB, DEFAULT_TIMEOUT_S, type RunLimits } from './run-limits.js';
import type { LoadedScenario } from './scenario-input.js';

/** How many workers a matrix of `pairs` runs gets: never more than there are pairs, at least one. */
export function workerCount(pairs: number, jobs: number = availableParallelism()): number {
  return Math.max(1, Math.min(Math.floor(jobs), pairs));
}

const DEFAULT_LIMITS: RunLimits = {
  timeoutMs: DEFAULT_TIMEOUT_S * 1000,
  maxMemoryMib: DEFAULT_MAX_MEMORY_MIB,
};

/** One worker and the pair it is running (if any), with that pair's deadline. */
interface Slot {
  worker: Worker;
  pair: number;
  timer: NodeJS.Timeout | undefined;
  /** Set once the slot's worker was ended on purpose (time limit) or died: its late events are ignored. */
  retired: boolean;
}

type Matrix = Extract<ToWorker, { type: 'matrix' }>;

/** Runs matrices on worker threads; see the file comment. One matrix per pool. */
export class MatrixPool {
  private readonly slots: Slot[] = [];
  /** Resolves when every first worker has loaded its plug-ins; rejects on the first start-up failure. */
  private readonly ready: Promise<void>;
  private readonly data: MatrixWorkerData;
  private matrix: Matrix | undefined;
  /** Where events of the running matrix go. */
  private onResult: (slot: Slot, m: ToParent) => void = () => undefined;
  private onDeath: (slot: Slot, what: string) => void = () => undefined;
  private onStartFailure: (e: Error) => void = () => undefined;

  constructor(
    pluginRoots: readonly string[],
    count: number,
    private readonly limits: RunLimits = DEFAULT_LIMITS,
  ) {
    this.data = { pluginRoots: [...pluginRoots] };
    const started: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const { slot, ready } = this.spawn();
      this.slots.push(slot);
      started.push(ready);
    }
    this.ready = Promise.all(started).then(() => undefined);
    // Nothing may wait on `ready` (a scenario error ends the command first): never an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  private spawn(): { slot: Slot; ready: Promise<void> } {
    const worker = new Worker(new URL('./matrix-worker.js', import.meta.url), {
      workerData: this.data,
      resourceLimits: { maxOldGenerationSizeMb: this.limits.maxMemoryMib },
    });
    const slot: Slot = { worker, pair: -1, timer: undefined, retired: false };
    const ready = new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: ToParent) => {
        if (slot.retired) return;
        if (m.type === 'ready') {
          started = true;
          resolve();
        } else if (m.type === 'failed' && m.pair < 0) {
          const e = failure('loading plug-ins in a worker', m);
          reject(e);
          this.onStartFailure(e);
        } else this.onResult(slot, m);
      });
      const died = (what: string): void => {
        if (slot.retired) return;
        slot.retired = true;
        clearTimeout(slot.timer);
        if (!started) {
          const e = new Error(`a run worker ${what} while loading the plug-ins`);
          reject(e);
          this.onStartFailure(e);
        } else this.onDeath(slot, what);
      };
      worker.on('error', (e: Error & { code?: string }) =>
        died(
          e.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `exhausted its memory limit (--max-memory ${this.limits.maxMemoryMib} MiB)`
            : `crashed: ${e.message}`,
        ),
      );
      worker.on('exit', (code) => died(`exited (code ${code})`));
    });
    ready.catch(() => undefined);
    return { slot, ready };
  }

  /**
   * Every (scenario, selection) pair, results in the serial order (scenario-major); with `trace`, each
   * run's recording too (`--trace`).
   */
  async run(
    scenarios: readonly LoadedScenario[],
    selections: readonly ResolvedSelection[],
    options: { trace?: boolean; readonly breakdown?: string } = {},
  ): Promise<MatrixResult> {
    await this.ready;
    const list = scenarios.map((s) => s.scenario);
    const n = selections.length;
    const traces: (RecordedTrace | undefined)[] = [];
    const all = Array.from({ length: list.length * n }, (_, p) => p);
    const results = await this.runPairs(
      list,
      selections,
      all,
      options.trace === true ? traces : undefined,
      options.breakdown,
    );
    const rows: RunResult[][] = [];
    const traceRows: (RecordedTrace | undefined)[][] = [];
    for (let si = 0; si < list.length; si++) {
      rows.push(results.slice(si * n, (si + 1) * n));
      traceRows.push(Array.from({ length: n }, (_, k) => traces[si * n + k]));
    }
    const comparisons = rows.map((r) => compareResults(r));
    if (options.trace !== true) return { results: rows, comparisons };
    return { results: rows, comparisons, traces: traceRows };
  }

  /**
   * Only the pairs listed (serial numbers, see matrix-protocol.ts): a `--shard`'s share. Each comes back
   * with its pair number, in the order given; with `trace`, with its recording.
   */
  async runSome(
    scenarios: readonly LoadedScenario[],
    selections: readonly ResolvedSelection[],
    pairs: readonly number[],
    options: { trace?: boolean } = {},
  ): Promise<{ pair: number; result: RunResult; trace?: RecordedTrace }[]> {
    // a shard with nothing to run (more shards than pairs) still writes its (empty) share
    if (pairs.length === 0) return [];
    await this.ready;
    const traces: (RecordedTrace | undefined)[] = [];
    const list = scenarios.map((s) => s.scenario);
    const results = await this.runPairs(
      list,
      selections,
      pairs,
      options.trace === true ? traces : undefined,
      undefined,
    );
    return pairs.map((pair) => {
      const trace = traces[pair];
      return trace === undefined ? { pair, result: results[pair]! } : { pair, result: results[pair]!, trace };
    });
  }

  /**
   * One scenario under every selection, contained like any other pair — how `explore` and `minimize` run
   * their candidates, one after another on the same workers (each call hands the workers a new matrix).
   */
  async runScenario(scenario: Scenario, selections: readonly ResolvedSelection[]): Promise<RunResult[]> {
    await this.ready;
    const all = Array.from({ length: selections.length }, (_, p) => p);
    return this.runPairs([scenario], selections, all, undefined, undefined, false);
  }

  /** Ends every worker, including one still inside a long run. */
  async close(): Promise<void> {
    for (const s of this.slots) {
      s.retired = true;
      clearTimeout(s.timer);
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private runPairs(
    list: readonly Scenario[],
    selections: readonly ResolvedSelection[],
    order: readonly number[],
    traces: (RecordedTrace | undefined)[] | undefined,
    breakdown: string | undefined,
    showProgress = true,
  ): Promise<RunResult[]> {
    const n = selections.length;
    const total = order.length;
    const scenarioOf = (pair: number): Scenario => list[Math.floor(pair / n)]!;
    const selectionOf = (pair: number): ResolvedSelection => selections[pair % n]!;
    const label = (pair: number): string => `${scenarioOf(pair).name} ${selectionOf(pair).text}`;
    this.matrix = {
      type: 'matrix',
      scenarios: list,
      selections: [...selections],
      trace: traces !== undefined,
      ...(breakdown === undefined ? {} : { breakdown }),
    };
    const results = new Array<RunResult>(list.length * n);
    // a candidate of explore or minimize is one of thousands: the command shows its own progress
    const progress = showProgress ? new Progress(total) : undefined;
    let next = 0;
    let done = 0;
    let settled = false;
    return new Promise<RunResult[]>((resolve, reject) => {
      const finish = (err: Error | undefined): void => {
        if (settled) return;
        settled = true;
        progress?.finish();
        if (err === undefined) resolve(results);
        else reject(err);
      };
      const complete = (pair: number, r: RunResult): void => {
        results[pair] = r;
        progress?.advance();
        if (++done === total) finish(undefined);
      };
      const feed = (slot: Slot): void => {
        slot.pair = -1;
        if (settled || next >= total) return;
        const pair = order[next++]!;
        slot.pair = pair;
        progress?.step(label(pair));
        slot.worker.postMessage({ type: 'run', pair } satisfies ToWorker);
        // the clock starts when the worker is handed the pair: start-up and queueing never count
        slot.timer = setTimeout(() => {
          slot.retired = true;
          void slot.worker.terminate();
          this.onDeath(slot, `exceeded its time limit (--timeout ${this.limits.timeoutMs / 1000} s)`);
          slot.retired = true;
        }, this.limits.timeoutMs);
      };
      this.onStartFailure = (e) => finish(e);
      this.onResult = (slot, m) => {
        if (settled || m.type === 'ready') return;
        clearTimeout(slot.timer);
        if (m.type === 'result') {
          if (traces !== undefined) traces[m.pair] = m.trace;
          complete(m.pair, m.result);
        } else
          complete(
            m.pair,
            errorResult(scenarioOf(m.pair), selectionOf(m.pair), `the run threw: ${m.message}`),
          );
        feed(slot);
      };
      this.onDeath = (slot, what) => {
        if (settled) return;
        const pair = slot.pair;
        if (pair >= 0) complete(pair, errorResult(scenarioOf(pair), selectionOf(pair), `the run ${what}`));
        if (settled || next >= total) return;
        // a fresh worker takes the dead one's place in the queue
        const i = this.slots.indexOf(slot);
        const { slot: fresh, ready } = this.spawn();
        if (i >= 0) this.slots[i] = fresh;
        else this.slots.push(fresh);
        void ready.then(() => {
          if (settled) return;
          fresh.worker.postMessage(this.matrix);
          feed(fresh);
        });
      };
      for (const slot of this.slots) {
        slot.worker.postMessage(this.matrix);
        feed(slot);
      }
    });
  }
}

/** A failure starting a worker: the command fails, naming where; the stack is kept for DEBUG. */
function failure(where: string, m: Extract<ToParent, { type: 'failed' }>): Error {
  const err = new Error(`${where}: ${m.message}`);
  if (m.stack !== undefined) err.stack = m.stack;
  return err;
}

/** The pool every run goes through: one worker per job, at most one per pair. */
export function startMatrixPool(
  pairs: number,
  pluginRoots: readonly string[],
  jobs?: number,
  limits?: RunLimits,
): MatrixPool {
  return new MatrixPool(pluginRoots, workerCount(pairs, jobs), limits);
}

/** The matrix on the pool. */
export function runMatrixOn(
  pool: MatrixPool,
  scenarios: readonly LoadedScenario[],
  selections: readonly ResolvedSelection[],
  options: { trace?: boolean } = {},
): Promise<MatrixResult> {
  return pool.run(scenarios, selections, options);
}
