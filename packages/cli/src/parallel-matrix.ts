// `compare` on every core: the (scenario, selection) pairs of runMatrix shared among worker threads. Each
// worker loads the same plug-in folders the CLI loaded, receives the scenarios already loaded, and runs one
// pair at a time as the parent hands them out (a queue, not fixed shares, so one slow pair does not leave
// the other cores idle). Results are put back by pair number, in the serial loop's order, and compared here
// exactly as the serial path compares them — so the report is byte-identical to `--jobs 1`.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PolicyRegistry, ResolvedSelection } from '@shootdown/core';
import { compareResults, type RunResult } from '@shootdown/engine';
import type { MatrixWorkerData, ToParent, ToWorker } from './matrix-protocol.js';
import { Progress } from './progress.js';
import { runMatrix, type MatrixResult } from './run-matrix.js';
import type { LoadedScenario } from './scenario-input.js';

export interface ParallelOptions {
  /** Worker threads to use at most; 1 runs in this thread. Default: os.availableParallelism(). */
  readonly jobs?: number;
  /** Plug-in package folders the registry was loaded from, in load order (LoadedRegistry.plugins). */
  readonly pluginRoots: readonly string[];
}

/** How many workers a matrix of `pairs` runs gets: never more than there are pairs; 1 means serial. */
export function workerCount(pairs: number, jobs: number = availableParallelism()): number {
  return Math.max(1, Math.min(Math.floor(jobs), pairs));
}

/** runMatrix on `jobs` threads; serial (in this thread) when there is one pair, one core or `jobs` is 1. */
export async function runMatrixParallel(
  registry: PolicyRegistry,
  scenarios: readonly LoadedScenario[],
  selections: readonly ResolvedSelection[],
  options: ParallelOptions,
): Promise<MatrixResult> {
  const pairs = scenarios.length * selections.length;
  const workers = workerCount(pairs, options.jobs);
  if (workers <= 1) return runMatrix(registry, scenarios, selections);
  const results = await runPairs(
    {
      pluginRoots: [...options.pluginRoots],
      scenarios: scenarios.map((s) => s.scenario),
      selections: [...selections],
    },
    workers,
  );
  const rows: RunResult[][] = [];
  for (let si = 0; si < scenarios.length; si++) {
    rows.push(results.slice(si * selections.length, (si + 1) * selections.length));
  }
  return { results: rows, comparisons: rows.map((r) => compareResults(r)) };
}

function label(data: MatrixWorkerData, pair: number): string {
  const n = data.selections.length;
  return `${data.scenarios[Math.floor(pair / n)]!.name} ${data.selections[pair % n]!.text}`;
}

/** Runs every pair on `count` workers; resolves with the results indexed by pair number. */
function runPairs(data: MatrixWorkerData, count: number): Promise<RunResult[]> {
  const total = data.scenarios.length * data.selections.length;
  const results = new Array<RunResult>(total);
  const progress = new Progress(total);
  const pool: Worker[] = [];
  let next = 0;
  let done = 0;
  let settled = false;

  return new Promise<RunResult[]>((resolve, reject) => {
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      progress.finish();
      // terminate() also ends a worker stuck in a long run after another one failed.
      void Promise.all(pool.map((w) => w.terminate())).then(() =>
        err === undefined ? resolve(results) : reject(err),
      );
    };
    const feed = (w: Worker): void => {
      if (next >= total) return;
      const pair = next++;
      progress.step(label(data, pair));
      w.postMessage({ type: 'run', pair } satisfies ToWorker);
    };
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./matrix-worker.js', import.meta.url), { workerData: data });
      pool.push(w);
      w.on('message', (m: ToParent) => {
        if (settled) return;
        if (m.type === 'ready') {
          feed(w);
        } else if (m.type === 'result') {
          results[m.pair] = m.result;
          progress.advance();
          if (++done === total) finish(undefined);
          else feed(w);
        } else {
          const where = m.pair < 0 ? 'loading plug-ins in a worker' : label(data, m.pair);
          // A bug in a run: the parent fails as the serial loop would, naming the pair; the worker's stack is
          // kept for DEBUG.
          const err = new Error(`${where}: ${m.message}`);
          if (m.stack !== undefined) err.stack = m.stack;
          finish(err);
        }
      });
      w.on('error', (e) => finish(e));
      w.on('exit', (code) => {
        if (!settled) finish(new Error(`compare worker exited (code ${code}) before its runs were done`));
      });
    }
  });
}
