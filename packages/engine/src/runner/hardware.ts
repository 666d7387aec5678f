// The runner's only view of the simulated machine: everything it asks the MMU goes through here, so
// the rest of the runner stays in OS terms.
import type { Arch, Pfn, Va } from '@shootdown/core';
import type { CostProfileReport } from '@shootdown/mmu';
import type { Step, TableLevel } from '../scenario/types.js';
import type { StepOutcome } from './report.js';
import type { RunState } from './state.js';

export interface Hardware {
  readonly arch: Arch;
  /** The machine object registered under `Tokens.Machine`. */
  readonly machine: unknown;
  /** Every counter's value now, into `into` when it fits (the runner keeps one per nesting depth): a
   *  mark for `countersSince`. */
  markCounters(into?: Float64Array): Float64Array;
  /** The counters that moved since `mark`: name → difference, nonzero only, in the result's key order
   *  (the standard names, then the others sorted). */
  countersSince(mark: Float64Array): Record<string, number>;
  /** Work: cost summed over all CPUs so far (INVLPG units). */
  readonly cycles: number;
  /** Latency so far: the initiating CPUs' clocks (INVLPG units, spec linux.md §7.4). */
  readonly latency: number;
  /** A step initiated by `cpu` begins: its latency is that CPU's clock. */
  beginStep(cpu: number): void;
  /** Work per CPU since the machine was built (INVLPG units). */
  workByCpu(): readonly number[];
  /** Record charges by event kind and by CPU from here (right after `beginStep`) … */
  startProfile(): void;
  /** … until here. */
  stopProfile(): CostProfileReport;
  /** Add to a named counter (policy counters go through `Tokens.Counters`). */
  count(name: string, delta: number): void;
  /** How many CPUs may hold a translation of `va` in address space `space` (valid or stale). */
  cachedCpus(space: number, va: Va): number;
  /** The page-table frame at `level` on the walk of `va` in `space`, if linked. */
  tableFrame(space: number, va: Va, level: TableLevel): Pfn | undefined;
  /** The frame a name of the `hw:` block stands for (raw-mmu), if any. */
  hwFrame(name: string): Pfn | undefined;
  /** A speculative walk of `va` by `cpu` through the tables that CPU has loaded (DESIGN §2: speculative
   *  walks may fill TLBs and walk caches; under the precise model this is the only fill without an access). */
  speculate(cpu: number, va: Va, side: 'data' | 'instr'): void;
  /** Run a hardware-level op (only under `raw-mmu:<arch>`). */
  runHw(step: Step, state: RunState): StepOutcome;
}
