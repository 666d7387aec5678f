// The limits every run executes under (issue 13: a third-party policy that loops or allocates without
// bound must cost its own column, not the command). Runs happen on worker threads: the time limit ends
// the worker (Worker.terminate stops even a tight loop), the heap limit is V8's own (worker
// `resourceLimits.maxOldGenerationSizeMb`, reported as ERR_WORKER_OUT_OF_MEMORY instead of a fatal abort).
import { Flags } from './oclif.js';

/** Seconds one (scenario, selection) run may take: catalogue runs take milliseconds, so this is generous. */
export const DEFAULT_TIMEOUT_S = 120;
/** Heap of the worker running one run, in MiB: a million-step scenario fits in well under this. */
export const DEFAULT_MAX_MEMORY_MIB = 2048;

export interface RunLimits {
  readonly timeoutMs: number;
  readonly maxMemoryMib: number;
}

export const limitFlags = {
  timeout: Flags.integer({
    min: 1,
    default: DEFAULT_TIMEOUT_S,
    summary: 'Seconds one run (scenario × selection) may take before its column is an error.',
  }),
  'max-memory': Flags.integer({
    min: 64,
    default: DEFAULT_MAX_MEMORY_MIB,
    summary: 'MiB of heap one run may use before its column is an error.',
  }),
};

export function runLimits(flags: { timeout: number; 'max-memory': number }): RunLimits {
  return { timeoutMs: flags.timeout * 1000, maxMemoryMib: flags['max-memory'] };
}

/** How a run that did not complete reads in its `error` column, after "the run ": one wording whether it ran
 *  on a pool worker (parallel-matrix.ts) or on the command's thread (run-here.ts). */
export const runFailure = {
  timedOut: (limits: RunLimits): string => `exceeded its time limit (--timeout ${limits.timeoutMs / 1000} s)`,
  threw: (message: string): string => `threw: ${message}`,
};
