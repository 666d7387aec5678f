// `run` of one scenario under one selection on this thread, when containment allows it (DESIGN §8: a
// one-scenario `run` in 0.3 s of CPU). A worker thread costs a second Node start-up and a second load of
// the engine and every plug-in — about a quarter of such a run — to contain code the CLI does not trust.
// Containment (issue 13 item 5) still holds:
//  - only when every shootdown plug-in oclif found is one the CLI ships (`oclif.plugins`, type `core`):
//    then every policy, op and probe that can run is the CLI's own code. A linked or installed plug-in
//    anywhere in the registry sends the run to a worker, as before;
//  - the time limit: vm's watchdog (Script#runInThisContext `timeout`) terminates the run's JavaScript
//    wherever it is, a tight loop included, as Worker#terminate does; the result is the worker's `error`;
//  - the heap cap is a worker's own (`resourceLimits`), so the run stays here only when `--max-memory` was
//    not given and this thread's heap limit is at least the cap: a run that fits the worker's heap fits
//    here. An explicit `--max-memory` always gets a worker;
//  - a throw out of the runner is the worker's `error` result, word for word (parallel-matrix.ts).
import { getHeapStatistics } from 'node:v8';
import { Script } from 'node:vm';
import type { PolicyRegistry, ResolvedSelection } from '@shootdown/core';
import {
  compareResults,
  errorResult,
  runScenario,
  TraceRecorder,
  type RunResult,
  type Scenario,
} from '@shootdown/engine';
import type { ShootdownPluginRef } from './discovery.js';
import type { MatrixResult } from './run-matrix.js';
import { runFailure, type RunLimits } from './run-limits.js';

/** Whether a one-scenario, one-selection run may skip the worker; see the file comment. */
export function mayRunHere(
  plugins: readonly ShootdownPluginRef[],
  limits: RunLimits,
  maxMemoryGiven: boolean,
  heapLimitMib: number = getHeapStatistics().heap_size_limit / (1024 * 1024),
): boolean {
  return !maxMemoryGiven && heapLimitMib >= limits.maxMemoryMib && plugins.every((p) => p.type === 'core');
}

/** The key under which the watched script finds the run (a symbol: nothing else can name it). */
const RUN = Symbol.for('@shootdown/cli:run-here');
const CALL = new Script(`globalThis[Symbol.for(${JSON.stringify(RUN.description)})]()`, {
  filename: 'shootdown-run-here',
});

/**
 * Calls `fn` under vm's watchdog: `undefined` when it ran past `timeoutMs` (its execution terminated),
 * otherwise what it returned; what it throws is thrown.
 */
export function callWithTimeLimit<T>(fn: () => T, timeoutMs: number): { value: T } | undefined {
  const g = globalThis as unknown as Record<symbol, (() => T) | undefined>;
  g[RUN] = fn;
  try {
    return { value: CALL.runInThisContext({ timeout: timeoutMs }) as T };
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return undefined;
    throw e;
  } finally {
    delete g[RUN];
  }
}

/** The one run, shaped like the pool's MatrixResult (one scenario, one selection). */
export function runHere(
  registry: PolicyRegistry,
  scenario: Scenario,
  selection: ResolvedSelection,
  limits: RunLimits,
  options: { readonly trace: boolean; readonly breakdown?: string },
): MatrixResult {
  const trace = options.trace ? new TraceRecorder(scenario.name, selection.text) : undefined;
  const run = (): RunResult =>
    runScenario(scenario, {
      registry,
      selection,
      trace,
      ...(options.breakdown === undefined ? {} : { breakdown: options.breakdown }),
    });
  let done: { value: RunResult } | undefined;
  let what: string;
  try {
    done = callWithTimeLimit(run, limits.timeoutMs);
    what = runFailure.timedOut(limits);
  } catch (e) {
    what = runFailure.threw(e instanceof Error ? e.message : String(e));
  }
  const result = done?.value ?? errorResult(scenario, selection, `the run ${what}`);
  const comparisons = [compareResults([result])];
  if (trace === undefined) return { results: [[result]], comparisons };
  // a run that did not complete has no recording, as a worker that died sends none
  return { results: [[result]], comparisons, traces: [[done === undefined ? undefined : trace.take()]] };
}
