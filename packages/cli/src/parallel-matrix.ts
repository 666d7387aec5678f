// `compare` on every core: the (scenario, selection) pairs of runMatrix shared among worker threads. The
// pool starts as soon as the plug-ins are known, so the workers import the engine and load the same plug-in
// folders while this thread is still loading and validating the scenarios; then they receive the scenarios
// already loaded and run one pair at a time as this thread hands them out (a queue, not fixed shares, so
// one slow pair does not leave the other cores idle). Results are put back by pair number, in the serial
// loop's order, and compared here exactly as the serial path compares them — so the report is
// byte-identical to `--jobs 1`.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PolicyRegistry, ResolvedSelection } from '@shootdown/core';
import { compareResults, type RunResult } from '@shootdown/engine';
import type { MatrixWorkerData, ToParent, ToWorker } from './matrix-protocol.js';
import { Progress } from './progress.js';
import { runMatrix, type MatrixResult } from './run-matrix.js';
import type { LoadedScenario } from './scenario-input.js';

/** How many workers a matrix of `pairs` runs gets: never more than there are pairs; 1 means serial. */
export function workerCount(pairs: number, jobs: number = availableParallelism()): number {
  return Math.max(1, Math.min(Math.floor(jobs), pairs));
}

/** Runs matrices on worker threads; see the file comment. One matrix per pool. */
export class MatrixPool {
  private readonly workers: Worker[] = [];
  /** Resolves when every worker has loaded its plug-ins; rejects on the first start-up failure. */
  private readonly ready: Promise<void>;
  /** Where the next message or failure of the running matrix goes. */
  private onMessage: (w: Worker, m: ToParent) => void = () => undefined;
  private onFailure: (e: Error) => void = () => undefined;

  constructor(pluginRoots: readonly string[], count: number) {
    const data: MatrixWorkerData = { pluginRoots: [...pluginRoots] };
    const started: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./matrix-worker.js', import.meta.url), { workerData: data });
      this.workers.push(w);
      started.push(
        new Promise<void>((resolve, reject) => {
          w.on('message', (m: ToParent) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'failed' && m.pair < 0) reject(failure('loading plug-ins in a worker', m));
            else this.onMessage(w, m);
          });
          const early = (e: Error): void => {
            reject(e);
            this.onFailure(e);
          };
          w.on('error', early);
          w.on('exit', (code) => early(new Error(`a compare worker exited (code ${code}) unexpectedly`)));
        }),
      );
    }
    this.ready = Promise.all(started).then(() => undefined);
    // Nothing may wait on `ready` (a scenario error ends the command first): never an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** Every (scenario, selection) pair, results in the serial order (scenario-major). */
  async run(
    scenarios: readonly LoadedScenario[],
    selections: readonly ResolvedSelection[],
  ): Promise<MatrixResult> {
    await this.ready;
    const list = scenarios.map((s) => s.scenario);
    const results = await this.runPairs(
      list.length * selections.length,
      (pair) => {
        const n = selections.length;
        return `${list[Math.floor(pair / n)]!.name} ${selections[pair % n]!.text}`;
      },
      { type: 'matrix', scenarios: list, selections: [...selections] },
    );
    const rows: RunResult[][] = [];
    for (let si = 0; si < list.length; si++) {
      rows.push(results.slice(si * selections.length, (si + 1) * selections.length));
    }
    return { results: rows, comparisons: rows.map((r) => compareResults(r)) };
  }

  /** Ends every worker, including one still inside a long run after another failed. */
  async close(): Promise<void> {
    for (const w of this.workers) w.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private runPairs(
    total: number,
    label: (pair: number) => string,
    matrix: Extract<ToWorker, { type: 'matrix' }>,
  ): Promise<RunResult[]> {
    const results = new Array<RunResult>(total);
    const progress = new Progress(total);
    let next = 0;
    let done = 0;
    let settled = false;
    return new Promise<RunResult[]>((resolve, reject) => {
      const finish = (err: Error | undefined): void => {
        if (settled) return;
        settled = true;
        progress.finish();
        if (err === undefined) resolve(results);
        else reject(err);
      };
      const feed = (w: Worker): void => {
        if (next >= total) return;
        const pair = next++;
        progress.step(label(pair));
        w.postMessage({ type: 'run', pair } satisfies ToWorker);
      };
      this.onFailure = (e) => finish(e);
      this.onMessage = (w, m) => {
        if (settled) return;
        if (m.type === 'result') {
          results[m.pair] = m.result;
          progress.advance();
          if (++done === total) finish(undefined);
          else feed(w);
        } else if (m.type === 'failed') {
          finish(failure(label(m.pair), m));
        }
      };
      for (const w of this.workers) {
        w.postMessage(matrix);
        feed(w);
      }
    });
  }
}

/** A bug in a worker: the command fails as the serial loop would, naming the pair; the stack is kept for DEBUG. */
function failure(where: string, m: Extract<ToParent, { type: 'failed' }>): Error {
  const err = new Error(`${where}: ${m.message}`);
  if (m.stack !== undefined) err.stack = m.stack;
  return err;
}

/** A pool when the matrix is worth more than one thread, else undefined (serial: one pair, one core, --jobs 1). */
export function startMatrixPool(
  pairs: number,
  pluginRoots: readonly string[],
  jobs?: number,
): MatrixPool | undefined {
  const count = workerCount(pairs, jobs);
  return count <= 1 ? undefined : new MatrixPool(pluginRoots, count);
}

/** runMatrix on the pool when there is one, in this thread otherwise. */
export function runMatrixOn(
  pool: MatrixPool | undefined,
  registry: PolicyRegistry,
  scenarios: readonly LoadedScenario[],
  selections: readonly ResolvedSelection[],
): Promise<MatrixResult> {
  return pool === undefined
    ? Promise.resolve(runMatrix(registry, scenarios, selections))
    : pool.run(scenarios, selections);
}
