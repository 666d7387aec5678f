// What one run's trace holds (plain data: it crosses from a run worker to the CLI by structured clone).
import type { MmuEvent } from '@shootdown/mmu';

/** A scenario step on the latency timeline: from its start to the initiating CPU's clock at its end. */
export interface TraceStep {
  readonly path: string;
  readonly label: string;
  readonly cpu: number;
  readonly start: number;
  readonly end: number;
}

/** Stale entries a CPU may still hold (TLB leaves and walk-cache pointers) from time `t` on. */
export interface StaleSample {
  readonly t: number;
  readonly cpu: number;
  readonly tlb: number;
  readonly walk: number;
}

export interface RecordedTrace {
  readonly scenario: string;
  readonly selection: string;
  readonly cpus: number;
  readonly events: readonly MmuEvent[];
  readonly steps: readonly TraceStep[];
  readonly stale: readonly StaleSample[];
  /** Events dropped past the recorder's limit (the trace keeps the first ones). */
  readonly dropped: number;
}
