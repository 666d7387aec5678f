// The comparison model (DESIGN §5): N results of one scenario as one table, one column per selection.
// Renderers draw it; nothing in it depends on how it is drawn.
import type { Outcome, StepSignal } from '../result/types.js';
import type { TlbModel } from '../scenario/types.js';

export interface ComparisonColumn {
  readonly selection: string;
  readonly policy: string;
  readonly tlb: TlbModel;
}

/** One step's result under one selection. */
export interface StepCell {
  /** `null` when this selection's result has no such step (it stopped early). */
  readonly outcome: Outcome | null;
  readonly pages?: readonly Outcome[];
  /** The key of the entry a `fault:key` hit. */
  readonly key?: number;
  /** The fault signal the step raised. */
  readonly signal?: StepSignal;
  /** Absent when the step carried no expectation. */
  readonly held?: boolean;
  readonly detail?: string;
  readonly ignored?: readonly string[];
  /** Invariants that broke during this step under this selection (ids, claimed ones first). */
  readonly violations: readonly string[];
  /** The subset of `violations` this selection's policy claims (findings rather than notes). */
  readonly findings: readonly string[];
  /** Work of the step over all CPUs. */
  readonly cycles: number;
  /** Latency of the step on its initiating CPU (spec linux.md §7.4). */
  readonly latency: number;
}

export interface StepRow {
  readonly kind: 'step';
  /** The step's path (`"4"`, `"3#2.0"`). */
  readonly path: string;
  readonly op: string;
  /** The step's label from the first result that has one, else its op. */
  readonly label: string;
  readonly line: number;
  readonly cpu: number;
  /** The expectation as written, if any column carried one. */
  readonly expected?: string;
  readonly cells: readonly StepCell[];
  /** Outcomes (or per-page outcomes) differ between columns. */
  readonly diverges: boolean;
}

/** A number per column: a counter total, total work (`cycles`) or latency, failed expectations. */
export interface NumberRow {
  readonly kind: 'counter' | 'cycles' | 'latency' | 'expectations';
  readonly name: string;
  readonly values: readonly number[];
  readonly diverges: boolean;
}

/** How often an invariant broke under each selection, and whether that selection's policy claims it. */
export interface InvariantCell {
  readonly count: number;
  /** True: a finding (claimed); false: a note; null when it never broke there. */
  readonly claimed: boolean | null;
  /** Path of the first step where it broke, or null. */
  readonly firstStep: string | null;
}

export interface InvariantRow {
  readonly kind: 'invariant';
  readonly invariant: string;
  readonly cells: readonly InvariantCell[];
  readonly diverges: boolean;
}

/** Per column: what a reviewer reads first. */
export interface ColumnSummary {
  readonly expectationsFailed: number;
  readonly findings: number;
  readonly notes: number;
  readonly unsupported: number;
  /** `holds`, `violates <ids>`, `expect-fails`, `unsupported` — the same words as verdict files. */
  readonly verdict: string;
}

export interface Comparison {
  readonly scenario: string;
  readonly columns: readonly ComparisonColumn[];
  readonly steps: readonly StepRow[];
  readonly counters: readonly NumberRow[];
  /** Work: total cost over all CPUs (row name `work`). */
  readonly cycles: NumberRow;
  /** Latency: the sum of the steps' initiator clocks (spec linux.md §7.4). */
  readonly latency: NumberRow;
  readonly expectations: NumberRow;
  readonly invariants: readonly InvariantRow[];
  readonly summaries: readonly ColumnSummary[];
  /** Path of the first step whose outcomes diverge between columns, or null when all agree. */
  readonly firstDivergence: string | null;
  /** Notes of every result, prefixed by their selection, in column order. */
  readonly notes: readonly string[];
}
