// The herd7 AArch64 VMSA litmus importer (issue 17): parse (parse.ts), plan the hardware (translate.ts),
// enumerate executions (interleave.ts, execute.ts), judge the condition (judge.ts), write an execution as a
// `raw-mmu:arm64` scenario (scenario.ts), compare with a kinds file (kinds.ts).
import { loadScenarioText } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/types.js';
import type { LitmusTest } from './ast.js';
import { enumerate, DEFAULT_MAX_EXECUTIONS } from './interleave.js';
import { Judge, type Judgement } from './judge.js';
import type { Execution } from './execute.js';
import { scenarioYaml } from './scenario.js';
import { LITMUS_SPACE, planTest, type Plan } from './translate.js';

export type { LitmusTest } from './ast.js';
export { LitmusSyntaxError } from './lex.js';
export { parseLitmus } from './parse.js';
export { parseKinds } from './kinds.js';
export { agrees, showProp, type Judgement, type Verdict, type HistogramState } from './judge.js';
export { DEFAULT_MAX_EXECUTIONS } from './interleave.js';
export { KNOWN_VARIANTS } from './translate.js';

export interface HerdResult {
  readonly test: LitmusTest;
  /** `judged`: every execution enumerated; `unsupported`: the test uses what is not modelled; `bounded`:
   *  more executions than the bound. */
  readonly status: 'judged' | 'unsupported' | 'bounded';
  /** What is not modelled (status unsupported), or the bound's message. */
  readonly reasons: readonly string[];
  readonly executions: number;
  readonly judgement: Judgement | null;
  /** The witness execution (or the first one) as a `raw-mmu:arm64` scenario; null unless judged. */
  readonly scenario: string | null;
}

/** The test's machine and hw block loaded as a scenario (the executor builds its MMU from it). */
function baseScenario(plan: Plan): Scenario {
  const steps = plan.test.threads.map(
    (_, cpu) => `  - { op: set-root, cpu: ${cpu}, space: ${LITMUS_SPACE} }`,
  );
  const text = [`name: ${plan.scenarioName}`, plan.baseYaml, 'steps:', ...steps, ''].join('\n');
  const res = loadScenarioText(text, plan.test.file);
  if (!res.ok)
    throw new Error(`the importer wrote an invalid scenario: ${res.errors.map((e) => e.message).join('; ')}`);
  return res.scenario;
}

/** `variants`: herd7 variants given beside the test's own (herd7's `-variant`, e.g. `ETS2`). */
export function judgeLitmus(
  test: LitmusTest,
  maxExecutions: number = DEFAULT_MAX_EXECUTIONS,
  variants: readonly string[] = [],
): HerdResult {
  const plan = planTest(test, variants);
  const none = { test, executions: 0, judgement: null, scenario: null };
  if (plan.unsupported.length > 0) return { ...none, status: 'unsupported', reasons: plan.unsupported };
  const scenario = baseScenario(plan);
  const judge = new Judge(test.condition.prop, test.condition.quantifier, test.locations, test.filter);
  let first: Execution | null = null;
  const run = enumerate(
    plan,
    scenario,
    (e) => {
      first ??= e;
      judge.add(e);
    },
    maxExecutions,
  );
  if (run.kind === 'unsupported')
    return { ...none, executions: run.executions, status: 'unsupported', reasons: [run.what] };
  if (run.kind === 'bounded')
    return { ...none, executions: run.executions, status: 'bounded', reasons: [run.message] };
  const judgement = judge.result();
  const shown = judgement.witness ?? first!;
  return {
    test,
    status: 'judged',
    reasons: [],
    executions: run.executions,
    judgement,
    scenario: scenarioYaml(plan, judgement, {
      execution: shown,
      role: judgement.witness !== null ? 'witness' : 'first',
    }),
  };
}
export { expandLitmusArgument, IndexError } from './index-file.js';
