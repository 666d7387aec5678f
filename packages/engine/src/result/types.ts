// The result of one scenario under one policy selection (DESIGN §5), as the runner produces it and
// `schemas/result.schema.json` describes it. Deterministic: no timestamps, no host data.
import type { FaultKind, JsonValue, MachineBlock, ParamValue, TlbModel } from '../scenario/types.js';

/**
 * What a step did. `ok-stale`: only a stale (possibly cached) entry let it succeed, the current entry would
 * not; `spurious`: a fault the kernel resolved as a stale, less permissive entry; `unsupported`: the policy
 * cannot express the op; `error:<ERRNO>`: the call failed; `skipped`: not run because an earlier step of the
 * run could not be (e.g. the process it needs was never created under this policy).
 */
export type Outcome =
  'ok' | 'ok-stale' | `fault:${FaultKind}` | 'spurious' | 'unsupported' | `error:${string}` | 'skipped';

/** Whether a step's expectation (`expect`, `expect-pages`, `violation`, `counters`) held. */
export interface ExpectationResult {
  /** The expectation as written, for reports. */
  readonly expected: string;
  readonly held: boolean;
  /** Why it failed (which page, which counter, which invariant was missing), or absent when it held. */
  readonly detail?: string;
}

export interface StepResult {
  /** The step's `path` (see `StepBase.path`): `"4"`, `"3#2.0"`, `"5.op"`. */
  readonly path: string;
  readonly op: string;
  /** A short label (`describeStep` in scenario/), shown instead of the bare op when present. */
  readonly label?: string;
  /** Source line of the step, for reports. */
  readonly line: number;
  readonly cpu: number;
  /** The step's outcome; for a multi-page access, the first page that was not `ok`, or `ok`. */
  readonly outcome: Outcome;
  /** One outcome per page for a multi-page access; absent otherwise. */
  readonly pages?: readonly Outcome[];
  /** Flags the policy could not express and dropped (DESIGN §4: visible, never silent). */
  readonly ignored?: readonly string[];
  /** A value the step produced (a key index, a check query's answer). */
  readonly value?: JsonValue;
  /** On a `fault:key` outcome: the key of the entry the access hit (Linux reports it as si_pkey). */
  readonly key?: number;
  /** The first fault signal the step raised, and whether a handler took it (else the process died). */
  readonly signal?: StepSignal;
  /** Absent when the step carried no expectation. */
  readonly expectation?: ExpectationResult;
  /** Work: simulated cost of the step summed over all CPUs (INVLPG units, spec linux.md §7.4). */
  readonly cycles: number;
  /** Latency: what the step's initiating CPU waited (INVLPG units): its own work, plus for an IPI round
   *  the sends, the slowest target's handler and the acknowledgement (spec linux.md §7.4). */
  readonly latency: number;
  /** Counter deltas of this step (counters that did not move are omitted). */
  readonly counters: Readonly<Record<string, number>>;
}

/** A fault signal as delivered: SIGSEGV / SIGBUS with its si_code, si_addr and (Linux) si_pkey. */
export interface StepSignal {
  readonly signo: 'SIGSEGV' | 'SIGBUS';
  readonly code: 'SEGV_MAPERR' | 'SEGV_ACCERR' | 'SEGV_PKUERR' | 'BUS_ADRERR' | 'BUS_OOMERR';
  readonly addr: number;
  readonly pkey?: number;
  readonly handled: boolean;
}

/** An invariant that broke (DESIGN §3 "Invariants"). */
export interface Violation {
  /** Kebab-case invariant id, e.g. `wx-alias`. */
  readonly invariant: string;
  /** True when the policy claims the invariant: a finding; false: a note. */
  readonly claimed: boolean;
  /** Path of the step during which it broke. */
  readonly step: string;
  readonly cpu: number | null;
  readonly address: number | null;
  readonly frame: number | null;
  readonly explanation: string;
}

export interface RunTotals {
  /** Work over all CPUs (INVLPG units). */
  readonly cycles: number;
  /** Latency: the sum of the steps' latencies (INVLPG units). */
  readonly latency: number;
  readonly counters: Readonly<Record<string, number>>;
  /** Steps whose expectation failed. */
  readonly expectationsFailed: number;
  /** Violations of claimed invariants. */
  readonly findings: number;
  /** Steps reported `unsupported`. */
  readonly unsupported: number;
}

export interface RunResult {
  /** The scenario's `name`. */
  readonly scenario: string;
  /** The selection as written canonically: `linux-x86:vfree=arch-vunmap-v2`. */
  readonly selection: string;
  /** The policy part of the selection (`linux-x86`, `raw-mmu:arm64`). */
  readonly policy: string;
  /** Every mechanism's variant in effect, defaults included. */
  readonly variants: Readonly<Record<string, string>>;
  readonly machine: MachineBlock;
  readonly tlb: TlbModel;
  /** Parameter values the run used. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly steps: readonly StepResult[];
  readonly totals: RunTotals;
  readonly violations: readonly Violation[];
  readonly notes: readonly string[];
  /**
   * Present when the run did not complete as the policy's model: the plug-in threw, ran out of time or
   * memory (what happened, naming the selection). Its verdict is `error` and the command exits 3.
   */
  readonly error?: string;
  /** One step's cost by event kind and by CPU, present only when asked for (`run --breakdown <step>`). */
  readonly breakdown?: StepBreakdown;
}

/**
 * One step's latency and work broken down by priced event kind and by CPU (spec linux.md §7.4). The events'
 * latency contributions add up to the step's latency, their work contributions and the CPUs' work to its
 * work (each rounded as the step's figures are).
 */
export interface StepBreakdown {
  /** The step's path, as in `steps[].path`. */
  readonly step: string;
  readonly op: string;
  /** What the step does (`describeStep`). */
  readonly label: string;
  /** The CPU that initiated it, whose clock is its latency. */
  readonly cpu: number;
  /** Cost-model unit of every figure: one x86 INVLPG (about 100 ns). */
  readonly unit: 'invlpg';
  /** The step's latency and work, as in its step record. */
  readonly latency: number;
  readonly work: number;
  readonly events: readonly BreakdownEvent[];
  /** Every CPU that paid work or handled an event in the step, ascending. */
  readonly cpus: readonly BreakdownCpu[];
}

/** One priced event kind within a step. */
export interface BreakdownEvent {
  /** A counter (`invlpg`, `ipi`, `zero_page`, …), or the IPI's `ipi_send` / `ipi_wire` terms. */
  readonly event: string;
  /** Its cost-model weight. */
  readonly weight: number;
  /** Events charged, on every CPU. `ipi_wire` is never charged: the wait for an acknowledgement is latency. */
  readonly count: number;
  /** Events on the initiating CPU's latency path (its own, the slowest target's handler, the acks). */
  readonly onPath: number;
  /** onPath × weight. */
  readonly latency: number;
  /** count × weight (0 for `ipi_wire`). */
  readonly work: number;
}

/** One CPU's share of a step's work. */
export interface BreakdownCpu {
  readonly cpu: number;
  /** `initiator`: the step's CPU; `target`: it handled an IPI of the step; `other`: it paid work otherwise. */
  readonly role: 'initiator' | 'target' | 'other';
  readonly work: number;
  /** Events charged on this CPU, by kind. */
  readonly events: Readonly<Record<string, number>>;
}
