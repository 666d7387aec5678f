// The task handler of the run pool's workers (parallel-matrix.ts, a piscina pool). Each worker builds its
// own registry from the plug-in folders the parent discovered — through core's loader, the path the CLI
// itself takes — before piscina hands it a task (the top-level await holds its "ready" back), and runs one
// (scenario, selection) pair per task. Scenarios arrive already loaded and validated, serialized once in
// shared memory (matrix-protocol.ts), so a worker never compiles the scenario schema again and can never
// disagree with the parent about what a file says.
import './reflect-metadata.js';
import { deserialize } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPluginFolders, PolicyRegistry } from '@shootdown/core';
import { runScenario, TraceRecorder } from '@shootdown/engine';
import type { MatrixSpec, MatrixTask, MatrixWorkerData, ToParent, WorkerEvent } from './matrix-protocol.js';

const port = parentPort;
if (port === null) throw new Error('matrix-worker runs only as a worker thread');

function failed(pair: number, e: unknown): ToParent {
  return e instanceof Error
    ? { type: 'failed', pair, message: e.message, stack: e.stack }
    : { type: 'failed', pair, message: String(e), stack: undefined };
}

const registry = new PolicyRegistry();
// A plug-in that fails to load fails every task with pair -1: the parent ends the command naming it
// (throwing here instead would leave piscina a worker that never becomes ready).
let loadFailure: ToParent | undefined;
try {
  await loadPluginFolders((workerData as MatrixWorkerData).pluginRoots, registry, { skipNonPlugins: true });
} catch (e) {
  loadFailure = failed(-1, e);
}

let current: { id: number; spec: MatrixSpec } | undefined;

function matrixOf(task: MatrixTask): MatrixSpec {
  if (current?.id !== task.matrix.id) {
    // v8.deserialize reads a Buffer; the shared bytes are copied once per matrix and worker
    const spec = deserialize(Buffer.from(new Uint8Array(task.matrix.bytes))) as MatrixSpec;
    current = { id: task.matrix.id, spec };
  }
  return current.spec;
}

export default function runPair(task: MatrixTask): ToParent {
  if (loadFailure !== undefined) return loadFailure;
  const { pair } = task;
  try {
    const { scenarios, selections, trace: tracing, breakdown } = matrixOf(task);
    // the pair's time limit starts now: decoding the matrix is set-up, like loading the plug-ins
    port!.postMessage({ type: 'started', matrix: task.matrix.id, pair } satisfies WorkerEvent);
    const n = selections.length;
    const scenario = scenarios[Math.floor(pair / n)]!;
    const selection = selections[pair % n]!;
    const trace = tracing ? new TraceRecorder(scenario.name, selection.text) : undefined;
    const result = runScenario(scenario, {
      registry,
      selection,
      trace,
      ...(breakdown === undefined ? {} : { breakdown }),
    });
    return trace === undefined
      ? { type: 'result', pair, result }
      : { type: 'result', pair, result, trace: trace.take() };
  } catch (e) {
    return failed(pair, e);
  }
}
