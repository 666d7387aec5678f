// One built-in scenario under one selection: what every policy must keep whatever its variants do
// (DESIGN §4–§5). The run is made twice, as a user would make it with `shootdown run`.
import type { PolicyRegistry, ResolvedSelection } from '@shootdown/core';
import {
  runScenario,
  serializeResult,
  validateResult,
  type RunResult,
  type Step,
  type StepResult,
} from '@shootdown/engine';
import { stepsByPath, type KitScenario } from './scenarios.js';

/** Notes the runner writes when a policy threw (engine runner/run.ts, runner/state.ts). */
const THROWN = [/the policy failed:/, /failed to configure:/, /failed to provide/];

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function stepName(s: StepResult): string {
  return `step ${s.path} ${s.op} (line ${s.line})`;
}

/** The first line at which two serialisations differ, for a readable determinism failure. */
function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: ${JSON.stringify(la[i])} then ${JSON.stringify(lb[i])}`;
  }
  return 'no line differs';
}

/** A step whose expectation the kit judges under every selection: a `check` with a query asks about
 *  the current state (an entry, a process), which no variant may leave undone; outcomes of accesses
 *  and `no-violations` depend on what a variant flushes, so they are judged under the default only. */
function judgedUnderEveryVariant(step: Step | undefined): boolean {
  return step !== undefined && step.op === 'check' && step.query !== null;
}

export interface RunCheckOptions {
  readonly registry: PolicyRegistry;
  readonly selection: ResolvedSelection;
  /** Whether `selection` is the policy's default (upstream behaviour): then every expectation and
   *  every claimed invariant must hold in the kit's safe scenarios. */
  readonly isDefault: boolean;
}

export function runProblems(kit: KitScenario, opts: RunCheckOptions): string[] {
  const problems: string[] = [];
  const run = (): RunResult | undefined => {
    try {
      return runScenario(kit.scenario, { registry: opts.registry, selection: opts.selection });
    } catch (e) {
      problems.push(`the run threw: ${message(e)}`);
      return undefined;
    }
  };
  const first = run();
  const second = run();
  if (first === undefined || second === undefined) return problems;

  for (const note of first.notes) if (THROWN.some((re) => re.test(note))) problems.push(`threw: ${note}`);

  const text = serializeResult(first);
  for (const p of validateResult(JSON.parse(text))) problems.push(`the result does not validate: ${p}`);
  const again = serializeResult(second);
  if (again !== text) problems.push(`the same run twice differs at ${firstDifference(text, again)}`);

  const scenarioSteps = stepsByPath(kit.scenario.steps);
  const reported = new Set(first.steps.map((s) => s.path));
  for (const path of scenarioSteps.keys()) {
    if (!reported.has(path)) {
      const s = scenarioSteps.get(path)!;
      problems.push(`step ${path} ${s.op} (line ${s.source.line}) has no result: the run stopped early`);
    }
  }

  let unsupportedBefore = false;
  for (const s of first.steps) {
    if (s.outcome === 'skipped' && !unsupportedBefore) {
      problems.push(
        `${stepName(s)} was skipped although no earlier step was unsupported (${first.notes.join('; ')})`,
      );
    }
    const judged = opts.isDefault || judgedUnderEveryVariant(scenarioSteps.get(s.path));
    if (judged && !unsupportedBefore && s.outcome !== 'unsupported' && s.expectation?.held === false) {
      problems.push(
        `${stepName(s)}: expected ${s.expectation.expected}, got ${s.outcome}` +
          (s.expectation.detail === undefined ? '' : ` (${s.expectation.detail})`),
      );
    }
    if (s.outcome === 'unsupported') unsupportedBefore = true;
  }

  if (opts.isDefault) {
    for (const v of first.violations) {
      if (!v.claimed) continue;
      const step = first.steps.find((s) => s.path === v.step);
      problems.push(
        `claimed invariant ${v.invariant} broke at ${step === undefined ? `step ${v.step}` : stepName(step)}` +
          ` (cpu ${String(v.cpu)}, frame ${String(v.frame)}): ${v.explanation}`,
      );
    }
  }
  return problems;
}
