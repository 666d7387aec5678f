// scenario × selection → RunResult (DESIGN §5). One child container per run; every op dispatched to the
// contracts (or to the MMU under raw-mmu); expectations recorded, never thrown; violations collected
// from the invariant monitor with step, CPU, address and frame. Deterministic: no clocks, no
// randomness, stable key order — the same inputs give byte-identical JSON.
import {
  FrameTable,
  InvariantMonitor,
  Tokens,
  type Counters,
  type PolicyRegistry,
  type ResolvedSelection,
} from '@shootdown/core';
import type { DependencyContainer } from 'tsyringe';
import type { RunResult, StepResult } from '../result/types.js';
import type { CheckStep, InterleaveStep, RepeatStep, Scenario, Step } from '../scenario/types.js';
import { describeStep } from '../scenario/describe.js';
import type { TraceRecorder } from '../trace/recorder.js';
import { asksOsNothing } from './asks-os-nothing.js';
import { BreakdownProbe } from './breakdown.js';
import { runCheck } from './check-step.js';
import { dispatchOs, isHardwareOp } from './dispatch.js';
import { expectationFor } from '../scenario/expectations.js';
import { evaluate, expectsNothing, type ExpectationRefs } from './expectations.js';
import { recordKeyIntent } from './key-expectations.js';
import { MachineFrameBook } from './machine-frame-book.js';
import { MmuHardware } from './mmu-hardware.js';
import { PhaseDispatcher } from './phases.js';
import { releaseContainer } from './release.js';
import { OK, SKIPPED, StepSkipped, UNSUPPORTED, stepOutcome, type StepOutcome } from './report.js';
import { frameOf } from './resolve.js';
import { processOf, recordDisposition } from './process-context.js';
import { rootContainer } from './root-container.js';
import { resolveSelectionCached } from './selection-cache.js';
import { SignalTable } from './signals.js';
import { RunState } from './state.js';

export interface RunOptions {
  readonly registry: PolicyRegistry;
  /** A selection string (`linux-x86:vfree=arch-vunmap-v2`, `raw-mmu:arm64`) or an already resolved one. */
  readonly selection: string | ResolvedSelection;
  /** Parent container of the run's child container (default: tsyringe's root container). */
  readonly container?: DependencyContainer;
  /** Records the run for `--trace` (trace/recorder.ts); attached after the policy booted, so a trace
   *  shows the scenario, not the boot. */
  readonly trace?: TraceRecorder;
  /** A step's path (`StepBase.path`) whose cost the result breaks down by event kind and by CPU
   *  (`RunResult.breakdown`); absent: no breakdown, and no profiling cost. */
  readonly breakdown?: string;
}

interface Run {
  readonly state: RunState;
  readonly monitor: InvariantMonitor;
  readonly book: FrameTable;
  readonly phases: PhaseDispatcher;
  readonly signals: SignalTable;
  readonly hw: MmuHardware;
  readonly trace: TraceRecorder | undefined;
  readonly probe: BreakdownProbe | null;
  /** Counter marks per nesting depth of `execute` (a repeat's or interleave's steps run inside it),
   *  reused from step to step. */
  readonly marks: Float64Array[];
  depth: number;
}

/** The counters and clocks when the first step began (after the policy's boot). */
interface Start {
  readonly counters: Float64Array;
  readonly cycles: number;
  readonly latency: number;
}

export function runScenario(scenario: Scenario, options: RunOptions): RunResult {
  const selection =
    typeof options.selection === 'string'
      ? resolveSelectionCached(options.registry, options.selection)
      : options.selection;
  const hw = new MmuHardware(selection.arch, scenario.machine);
  const raw = selection.policy === 'raw-mmu';
  const book = raw
    ? new MachineFrameBook(hw.machine)
    : new FrameTable(hw.machine.frames.count, hw.machine.lease);
  const phases = new PhaseDispatcher();
  const signals = new SignalTable();
  const child = raw ? null : (options.container ?? rootContainer()).createChildContainer();
  const state = new RunState(scenario, selection, options.registry, hw, child);
  if (child !== null) {
    configure(state, child, { book, phases, signals, hw });
    // Without a late-init step the whole scenario runs after boot, as a policy that folds late init into
    // configure has it: the boot work stays outside every step (a KernelBoot's report is not a step).
    if (!scenario.steps.some((s) => s.op === 'late-init')) state.contract(Tokens.Boot)?.lateInit(0);
  } else hw.setupHw(state);
  const monitor = new InvariantMonitor(hw.machine, book, selection.claims, {
    window: (name) => state.kernel?.window(name),
    spaceOf: (pid) => state.pmaps?.of(pid)?.space,
  });
  monitor.attach();
  options.trace?.attach(hw.machine);
  const probe = options.breakdown === undefined ? null : new BreakdownProbe(hw, options.breakdown);
  const run: Run = {
    state,
    monitor,
    book,
    phases,
    signals,
    hw,
    trace: options.trace,
    probe,
    marks: [],
    depth: 0,
  };
  const start: Start = { counters: hw.markCounters(), cycles: hw.cycles, latency: hw.latency };
  try {
    for (const step of scenario.steps) execute(run, step);
  } finally {
    monitor.detach();
    options.trace?.detach();
    if (child !== null) releaseContainer(child);
  }
  const out = result(run, start);
  // Nothing reads the machine after this (the result holds plain values; a trace keeps its events): its
  // arrays go to the next run's machine.
  hw.machine.release();
  return out;
}

function configure(
  state: RunState,
  child: DependencyContainer,
  parts: { book: FrameTable; phases: PhaseDispatcher; signals: SignalTable; hw: MmuHardware },
): void {
  const counters: Counters = {
    add: (name, delta = 1) => parts.hw.count(name, delta),
    get: (name) => parts.hw.machine.counter(name),
  };
  child.register(Tokens.Machine, { useValue: parts.hw.machine });
  child.register(Tokens.FrameBook, { useValue: parts.book });
  child.register(Tokens.Phases, { useValue: parts.phases });
  child.register(Tokens.Signals, { useValue: parts.signals });
  child.register(Tokens.Counters, { useValue: counters });
  child.register(Tokens.Selection, { useValue: state.selection });
  const def = state.registry.policy(state.selection.policy);
  try {
    // A run that gives the OS nothing to do learns from the policy what its boot would decide, and does not
    // boot it (core PolicyDefinition.preflight; null: only a boot can tell).
    const early =
      def?.preflight !== undefined && asksOsNothing(state.scenario.steps, state.selection)
        ? def.preflight(parts.hw.machine.params, state.selection)
        : null;
    if (early !== null) {
      if (early.unsupported !== undefined) state.notes.push(unsupportedNote(state, early.unsupported));
      return;
    }
    // The registry's configure runs the policy's own, then each selected variant's (core
    // configure-selection.ts).
    def?.configure(child, state.selection);
  } catch (e) {
    state.notes.push(`policy ${state.selection.policy} failed to configure: ${message(e)}`);
    state.error ??= `${state.selection.text}: the policy threw while configuring: ${message(e)}`;
    return;
  }
  if (child.isRegistered(Tokens.Unsupported, true)) {
    state.notes.push(unsupportedNote(state, child.resolve(Tokens.Unsupported)));
  }
}

function unsupportedNote(state: RunState, why: string): string {
  return `${state.selection.text} is unsupported on this machine: ${why}`;
}

/** Run one step (and whatever it contains), record its result; returns its outcome. */
function execute(run: Run, step: Step): StepOutcome {
  const { state, monitor, hw } = run;
  hw.beginStep(step.cpu);
  run.trace?.stepBegan(step.path, describeStep(step), step.cpu);
  run.probe?.begin(step);
  const depth = run.depth++;
  const mark = (run.marks[depth] = hw.markCounters(run.marks[depth]));
  const cyclesBefore = hw.cycles;
  const latencyBefore = hw.latency;
  const violationsBefore = state.violations.length;
  const outerStep = monitor.step;
  monitor.step = step.path;
  const outerSignalStep = run.signals.step;
  run.signals.step = step.path;
  let out: StepOutcome;
  try {
    out = perform(run, step);
  } catch (e) {
    if (e instanceof StepSkipped) {
      state.notes.push(`step ${step.path} (line ${step.source.line}): skipped: ${e.message}`);
      out = SKIPPED;
    } else {
      state.notes.push(`step ${step.path} (line ${step.source.line}): the policy failed: ${message(e)}`);
      // a bug in the plug-in, not a modelled outcome: the column's verdict is `error` (the run goes on, so
      // the notes still show what every later step did)
      state.error ??= `${state.selection.text}: the policy threw at step ${step.path} (line ${step.source.line}): ${message(e)}`;
      out = UNSUPPORTED;
    }
  }
  monitor.step = step.path;
  try {
    monitor.operationReturned();
  } catch (e) {
    // Invariants read the policy's bookkeeping (an expected key, an address space); a policy left in a
    // state its own queries cannot answer is reported on the step, and the run goes on.
    state.notes.push(`step ${step.path} (line ${step.source.line}): invariant check failed: ${message(e)}`);
  }
  collect(run);
  monitor.step = outerStep;
  run.signals.step = outerSignalStep;
  // A composite step's nested steps took their own signals; an op's are its own.
  const signal = run.signals.take()[0];
  const counters = hw.countersSince(mark);
  const cycles = round(hw.cycles - cyclesBefore);
  const latency = round(hw.latency - latencyBefore);
  run.depth--;
  run.probe?.end(step);
  const expect = step.expect === undefined ? undefined : expectationFor(step.expect, state.selection);
  // Most steps expect nothing, and evaluate then answers undefined: it is not called, nor is what only it
  // reads made — the invariants the step reported, the outcome with its signal, the reference resolvers.
  // What it reads of the step is handed over as one small object, not a copy of the step (one shape per
  // op, and a property per field of the op).
  let expectation = expectsNothing(step)
    ? undefined
    : evaluate(
        { expect, expectPages: step.expectPages, violation: step.violation, counters: step.counters },
        signal === undefined ? out : { ...out, signal: signal.code },
        state.violations.slice(violationsBefore).map((v) => v.invariant),
        counters,
        refs(state, step.cpu),
      );
  if (step.op === 'check' && step.noViolations) {
    const findings = state.violations.filter((v) => v.claimed);
    const held = findings.length === 0;
    const detail = held
      ? undefined
      : `${findings.length} finding(s): ${[...new Set(findings.map((v) => v.invariant))].join(', ')}`;
    const combined = expectation === undefined ? 'no-violations' : `no-violations; ${expectation.expected}`;
    const ok = held && (expectation?.held ?? true);
    const details = [detail, expectation?.detail].filter((d) => d !== undefined).join('; ');
    expectation = ok
      ? { expected: combined, held: true }
      : { expected: combined, held: false, detail: details };
  }
  // Every field present, undefined where the step has none (JSON.stringify leaves those out, in this
  // order): one hidden class for every step result, where adding the optional fields one by one made a
  // shape per combination, and each new one deoptimised execute.
  const r: StepResult = {
    path: step.path,
    op: step.op,
    line: step.source.line,
    cpu: step.cpu,
    outcome: out.outcome,
    cycles,
    latency,
    counters,
    pages: out.pages !== undefined && out.pages.length > 1 ? out.pages : undefined,
    // never an empty list (StepOutcome): no length to ask, which execute, optimised before any step had
    // ignored a flag, was deoptimised at
    ignored: out.ignored,
    value: out.value,
    // Defect 1 of issue 10: a key fault names the key of the entry it hit (si_pkey where the kernel has one).
    key: out.outcome === 'fault:key' ? out.key : undefined,
    signal,
    expectation,
  };
  run.probe?.record(step, r);
  state.steps.push(r);
  run.trace?.stepEnded();
  return out;
}

function perform(run: Run, step: Step): StepOutcome {
  const { state } = run;
  if (step.op === 'repeat') return repeat(run, step);
  if (step.op === 'interleave') return interleave(run, step);
  if (step.op === 'check') return check(run, step);
  if (isHardwareOp(step)) return state.raw ? run.hw.runHw(step, state) : UNSUPPORTED;
  if (state.raw) return UNSUPPORTED;
  // One rule for every policy: the steps of a process a fault signal killed are skipped, with a note.
  const pid = processOf(state, step);
  if (pid !== null && state.kernel?.processState(pid) === 'killed') {
    throw new StepSkipped(`process ${pid} is dead (${run.signals.death(pid) ?? 'killed'})`);
  }
  const out = dispatchOs(state, step);
  recordDisposition(state, run.signals, step, out);
  if (step.op === 'stray-write' && out.frame !== undefined) {
    run.monitor.strayWrite(
      step.cpu,
      out.frame,
      step.context,
      out.outcome === 'ok' || out.outcome === 'ok-stale',
    );
  }
  recordKeyIntent(state, run.book, step, out);
  return out;
}

function repeat(run: Run, step: RepeatStep): StepOutcome {
  for (const body of step.iterations) for (const s of body) execute(run, s);
  return OK;
}

function interleave(run: Run, step: InterleaveStep): StepOutcome {
  let opOut: StepOutcome = UNSUPPORTED;
  const reached = run.phases.around(
    step.phase,
    () => {
      for (const s of step.steps) execute(run, s);
      // The operation goes on: violations from here on belong to it again, and so does the latency clock.
      run.monitor.step = step.operation.path;
      run.hw.beginStep(step.operation.cpu);
    },
    () => {
      opOut = execute(run, step.operation);
    },
  );
  if (!reached) {
    for (const s of step.steps)
      skip(run, s, `phase '${step.phase}' of ${step.operation.op} was never reached`);
  }
  return reached
    ? opOut
    : stepOutcome(
        opOut.outcome === 'ok' ? 'skipped' : opOut.outcome,
        opOut.pages,
        opOut.ignored,
        opOut.frame,
        opOut.key,
        opOut.value,
      );
}

/** Record a step that could not run (its interleave phase never came). */
function skip(run: Run, step: Step, why: string): void {
  const expect = step.expect === undefined ? undefined : expectationFor(step.expect, run.state.selection);
  run.state.notes.push(`step ${step.path} (line ${step.source.line}): not run: ${why}`);
  run.probe?.skipped(step);
  run.state.steps.push({
    path: step.path,
    op: step.op,
    line: step.source.line,
    cpu: step.cpu,
    outcome: 'skipped',
    cycles: 0,
    latency: 0,
    counters: {},
    // the fields of execute's results, in the same order: one hidden class for every step result
    pages: undefined,
    ignored: undefined,
    value: undefined,
    key: undefined,
    signal: undefined,
    expectation: expect !== undefined ? { expected: expect.text, held: false, detail: why } : undefined,
  });
}

function check(run: Run, step: CheckStep): StepOutcome {
  const { state } = run;
  if (step.drain && !state.raw) state.kmem?.drain(step.cpu);
  if (step.query === null) return OK;
  return runCheck(state, step);
}

function collect(run: Run): void {
  // The monitor's violations are already the result's: its `violationOf` writes these seven fields in the
  // result's order, and `take` hands them over (the monitor keeps none). Not copied again field by field.
  for (const v of run.monitor.take()) run.state.violations.push(v);
}

function refs(state: RunState, cpu: number): ExpectationRefs {
  return {
    key: (ref) => state.names.key(ref),
    frame: (ref) => {
      try {
        return frameOf(state, ref, cpu);
      } catch {
        return undefined;
      }
    },
  };
}

function result(run: Run, start: Start): RunResult {
  const { state, hw } = run;
  // Counted from the same point as the cycles, after boot (and late init unless a step does it): the boot's
  // own flushes and table allocations are no step's work, and a column that showed them would charge one
  // design with work the scenario never asked of it. The totals are the sum of the top-level steps' deltas.
  const counters = hw.countersSince(start.counters);
  const steps = state.steps;
  return {
    scenario: state.scenario.name,
    selection: state.selection.text,
    policy: state.selection.policy === 'raw-mmu' ? state.selection.text : state.selection.policy,
    variants: state.selection.variants,
    machine: state.scenario.machine,
    // the machine's own parameter (the block's `tlb`, default filled alike): the machine blocks have a shape
    // per scenario (the keys its YAML gives, in its order), and reading it there deoptimised runScenario
    tlb: hw.machine.params.tlb,
    params: state.scenario.params,
    steps,
    totals: {
      cycles: round(hw.cycles - start.cycles),
      latency: round(hw.latency - start.latency),
      counters,
      expectationsFailed: steps.filter((s) => s.expectation !== undefined && !s.expectation.held).length,
      findings: state.violations.filter((v) => v.claimed).length,
      unsupported: steps.filter((s) => s.outcome === 'unsupported').length,
    },
    violations: state.violations,
    notes: state.notes,
    ...(state.error === undefined ? {} : { error: state.error }),
    ...(run.probe?.result === undefined ? {} : { breakdown: run.probe.result }),
  };
}

/** Cycle totals are sums of decimal weights: round so that summation order never shows in the JSON. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
