// One worker of a parallel `compare` (see parallel-matrix.ts). It builds its own registry from the plug-in
// folders the parent discovered — through core's loader, the path the CLI itself takes — and runs the
// (scenario, selection) pairs the parent hands it one at a time, posting each RunResult back. Scenarios
// arrive already loaded and validated (plain data, structured-cloned), so a worker never compiles the
// scenario schema again and can never disagree with the parent about what a file says.
import './reflect-metadata.js';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPluginFolders, PolicyRegistry, type ResolvedSelection } from '@shootdown/core';
import { runScenario, TraceRecorder, type Scenario } from '@shootdown/engine';
import type { MatrixWorkerData, ToParent, ToWorker } from './matrix-protocol.js';

const port = parentPort;
if (port === null) throw new Error('matrix-worker runs only as a worker thread');

function post(message: ToParent): void {
  port!.postMessage(message);
}

function failed(pair: number, e: unknown): ToParent {
  return e instanceof Error
    ? { type: 'failed', pair, message: e.message, stack: e.stack }
    : { type: 'failed', pair, message: String(e), stack: undefined };
}

let scenarios: readonly Scenario[] = [];
let selections: readonly ResolvedSelection[] = [];
let tracing = false;
let breakdown: string | undefined;
const registry = new PolicyRegistry();

// The parent sends the matrix only after 'ready'; the port would queue it until the listener below anyway.
const { pluginRoots } = workerData as MatrixWorkerData;
try {
  await loadPluginFolders(pluginRoots, registry, { skipNonPlugins: true });
  post({ type: 'ready' });
} catch (e) {
  post(failed(-1, e));
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'matrix') {
    scenarios = m.scenarios;
    selections = m.selections;
    tracing = m.trace;
    breakdown = m.breakdown;
    return;
  }
  const { pair } = m;
  const n = selections.length;
  try {
    const scenario = scenarios[Math.floor(pair / n)]!;
    const selection = selections[pair % n]!;
    const trace = tracing ? new TraceRecorder(scenario.name, selection.text) : undefined;
    const result = runScenario(scenario, {
      registry,
      selection,
      trace,
      ...(breakdown === undefined ? {} : { breakdown }),
    });
    post(
      trace === undefined
        ? { type: 'result', pair, result }
        : { type: 'result', pair, result, trace: trace.take() },
    );
  } catch (e) {
    post(failed(pair, e));
  }
});
