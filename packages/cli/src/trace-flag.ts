// `--trace FILE` on run and compare (DESIGN §5/§6): every run recorded on its worker and written as one
// Chrome trace-event file (engine trace/chrome.ts) that Perfetto and chrome://tracing open. Checked before
// anything runs, written atomically and only when the runs completed, like `--out`.
import { Flags } from './oclif.js';
import { serializeTrace, type RecordedTrace } from '@shootdown/engine';
import { checkOutPath, STDOUT, writeFileAtomic } from './atomic-write.js';
import { InputError } from './errors.js';

export const traceFlag = {
  trace: Flags.string({
    summary: 'Write a per-CPU timeline of every run as Chrome trace-event JSON (open it in Perfetto).',
    description:
      'One process per run, one track per CPU: flushes, TLBIs and IPI handlers as spans on the latency ' +
      'clock, fills, stores and key changes as instants, each CPU’s stale entries as a counter, the ' +
      'steps as markers. 1 µs in the viewer is one INVLPG unit of the cost model.',
  }),
};

/** Refuses a `--trace` path that cannot be written, before any run. */
export function checkTracePath(path: string | undefined): void {
  if (path === undefined) return;
  if (path === STDOUT) throw new InputError('--trace writes a file; - (stdout) is where the report goes');
  checkOutPath(path, '--trace');
}

/** Writes every recording (scenario-major, as the matrix ran them) as one trace file. */
export function writeTrace(path: string, traces: readonly (readonly (RecordedTrace | undefined)[])[]): void {
  const runs = traces.flat().filter((t): t is RecordedTrace => t !== undefined);
  writeFileAtomic(path, serializeTrace(runs), '--trace');
}
