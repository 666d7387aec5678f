// Every run of `run` and `compare` happens on a worker thread, contained (issue 13): the (scenario,
// selection) pairs of runMatrix shared among the threads of a piscina pool (issue 16: a kept library's
// worker pool) that start as soon as the plug-ins are known, so they import the engine and load the same
// plug-in folders while this thread is still loading and validating the scenarios. A matrix is serialized
// once into shared memory; each task names it and a pair number, and a worker decodes a matrix once
// (matrix-worker.ts). Pairs are handed out one per free thread as earlier ones finish (a queue, not fixed
// shares, so one slow pair does not leave the other cores idle). Each pair runs under a time limit and each
// worker under a heap limit (run-limits.ts): a pair that exceeds either, or whose plug-in throws out of the
// runner, gets an `error` result naming what happened; piscina replaces its worker and the other pairs
// complete. Results are put back by pair number, in the serial loop's order, and compared here exactly as
// the serial path compares them — so the report is byte-identical to runMatrix's whatever the number of
// workers.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import type { ResolvedSelection } from '@shootdown/core';
import {
  compareResults,
  errorResult,
  type RecordedTrace,
  type RunResult,
  type Scenario,
} from '@shootdown/engine';
import type { Piscina } from 'piscina';
import type {
  MatrixSpec,
  MatrixTask,
  MatrixWorkerData,
  SharedMatrix,
  ToParent,
  WorkerEvent,
} from './matrix-protocol.js';
import { Progress } from './progress.js';
import type { MatrixResult } from './run-matrix.js';
import { DEFAULT_MAX_MEMORY_MIB, DEFAULT_TIMEOUT_S, runFailure, type RunLimits } from './run-limits.js';
import type { LoadedScenario } from './scenario-input.js';

/** How many workers a matrix of `pairs` runs gets: never more than there are pairs, at least one. */
export function workerCount(pairs: number, jobs: number = availableParallelism()): number {
  return Math.max(1, Math.min(Math.floor(jobs), pairs));
}

/**
 * piscina is CommonJS: required, not imported — an ES import makes Node scan its source for export names
 * (about 8 ms of CPU per command here) — and only once a command starts a pool.
 */
function piscina(): typeof Piscina {
  return (createRequire(import.meta.url)('piscina') as typeof import('piscina')).Piscina;
}

const DEFAULT_LIMITS: RunLimits = {
  timeoutMs: DEFAULT_TIMEOUT_S * 1000,
  maxMemoryMib: DEFAULT_MAX_MEMORY_MIB,
};

/** A pair handed to the pool: its abort handle and, once a worker has started it, its deadline. */
interface InFlight {
  readonly abort: AbortController;
  timer: NodeJS.Timeout | undefined;
  /** Why it was aborted (the time limit), when it was. */
  reason: string | undefined;
}

/** Runs matrices on a piscina pool; see the file comment. One matrix at a time per pool. */
export class MatrixPool {
  private readonly pool: Piscina<MatrixTask, ToParent>;
  private readonly threads: number;
  private matrixId = 0;
  /** The pairs of the running matrix that are on a worker or queued for one, by pair number. */
  private readonly inFlight = new Map<number, InFlight>();

  constructor(
    pluginRoots: readonly string[],
    count: number,
    private readonly limits: RunLimits = DEFAULT_LIMITS,
  ) {
    this.threads = count;
    const workerData: MatrixWorkerData = { pluginRoots: [...pluginRoots] };
    const Pool = piscina();
    this.pool = new Pool<MatrixTask, ToParent>({
      filename: fileURLToPath(new URL('./matrix-worker.js', import.meta.url)),
      workerData,
      minThreads: count,
      maxThreads: count,
      concurrentTasksPerWorker: 1,
      // a replacement after a time limit or a crash stays until the pool closes, like the first ones
      idleTimeout: Number.POSITIVE_INFINITY,
      resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMib },
    });
    // A worker says when it starts a pair: its clock starts then, so start-up and queueing never count.
    this.pool.on('message', (m: WorkerEvent) => {
      if (m.type !== 'started' || m.matrix !== this.matrixId) return;
      const f = this.inFlight.get(m.pair);
      if (f === undefined || f.timer !== undefined) return;
      f.timer = setTimeout(() => {
        f.reason = runFailure.timedOut(this.limits);
        // piscina ends the worker running it (Worker.terminate stops even a tight loop) and starts another
        f.abort.abort();
      }, this.limits.timeoutMs);
    });
    // An error with no task to blame (a worker dying between pairs) is not a run's: nothing to report.
    this.pool.on('error', () => undefined);
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
    const all = Array.from({ length: selections.length }, (_, p) => p);
    return this.runPairs([scenario], selections, all, undefined, undefined, false);
  }

  /** Ends every worker, including one still inside a long run. */
  async close(): Promise<void> {
    for (const f of this.inFlight.values()) clearTimeout(f.timer);
    this.inFlight.clear();
    await this.pool.destroy();
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
    const matrix = shareMatrix(++this.matrixId, {
      scenarios: list,
      selections: [...selections],
      trace: traces !== undefined,
      ...(breakdown === undefined ? {} : { breakdown }),
    });
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
        for (const f of this.inFlight.values()) {
          clearTimeout(f.timer);
          f.abort.abort();
        }
        this.inFlight.clear();
        if (err === undefined) resolve(results);
        else reject(err);
      };
      const complete = (pair: number, r: RunResult): void => {
        results[pair] = r;
        progress?.advance();
        if (++done === total) finish(undefined);
      };
      const settle = (pair: number, m: ToParent): void => {
        if (m.type === 'result') {
          if (traces !== undefined) traces[pair] = m.trace;
          complete(pair, m.result);
        } else if (m.pair < 0) finish(failure('loading plug-ins in a worker', m));
        else
          complete(
            pair,
            errorResult(scenarioOf(pair), selectionOf(pair), `the run ${runFailure.threw(m.message)}`),
          );
      };
      const feed = (): void => {
        if (settled || next >= total) return;
        const pair = order[next++]!;
        const f: InFlight = { abort: new AbortController(), timer: undefined, reason: undefined };
        this.inFlight.set(pair, f);
        progress?.step(label(pair));
        this.pool.run({ matrix, pair }, { signal: f.abort.signal }).then(
          (m) => {
            if (!this.leave(pair, f) || settled) return;
            settle(pair, m);
            feed();
          },
          (e: unknown) => {
            if (!this.leave(pair, f) || settled) return;
            const what = f.reason ?? deathOf(e, this.limits);
            complete(pair, errorResult(scenarioOf(pair), selectionOf(pair), `the run ${what}`));
            feed();
          },
        );
      };
      for (let i = 0; i < Math.min(this.threads, total); i++) feed();
    });
  }

  /** The pair is back; false when the matrix it belonged to was already given up. */
  private leave(pair: number, f: InFlight): boolean {
    clearTimeout(f.timer);
    if (this.inFlight.get(pair) !== f) return false;
    this.inFlight.delete(pair);
    return true;
  }
}

/** The matrix, serialized once into memory every worker shares (structured-clone format, node:v8). */
function shareMatrix(id: number, m: MatrixSpec): SharedMatrix {
  const bytes = serialize(m);
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  return { id, bytes: shared };
}

/** What happened to a worker that did not hand a pair back, in the words `compare` reports. */
function deathOf(e: unknown, limits: RunLimits): string {
  const err = e as (Error & { code?: string }) | undefined;
  if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return `exhausted its memory limit (--max-memory ${limits.maxMemoryMib} MiB)`;
  }
  const exited = /^worker exited with code: (-?\d+)/.exec(err?.message ?? '');
  if (exited !== null) return `exited (code ${exited[1]})`;
  return `crashed: ${err?.message ?? String(e)}`;
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
