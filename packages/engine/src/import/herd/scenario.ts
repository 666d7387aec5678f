// One execution of a litmus test written as a hardware-level scenario (`raw-mmu:arm64`): the test's
// address space and frames (translate.ts), every CPU loading it, then the execution's steps in their
// interleaved order, each access with the entry it was served by (`serve: old | new`) and the outcome it
// had as its expectation, so `shootdown run` replays exactly that execution and fails if the MMU ever
// answers otherwise. Each step's comment names the instruction it comes from.
import type { Execution } from './execute.js';
import { showProp, type Judgement } from './judge.js';
import type { Plan } from './translate.js';
import { LITMUS_SPACE } from './translate.js';

function flow(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string')
    return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(v) &&
      !['true', 'false', 'null', 'yes', 'no', 'on', 'off'].includes(v)
      ? v
      : JSON.stringify(v);
  if (v === null) return 'null';
  const o = v as Record<string, unknown>;
  return `{ ${Object.entries(o)
    .map(([k, x]) => `${k}: ${flow(x)}`)
    .join(', ')} }`;
}

export interface WrittenExecution {
  readonly execution: Execution;
  /** What the execution shows: the condition's witness, or (none exists) the first one enumerated. */
  readonly role: 'witness' | 'first';
}

export function scenarioYaml(plan: Plan, judgement: Judgement | null, chosen: WrittenExecution): string {
  const t = plan.test;
  const cond = `${t.condition.quantifier === 'not-exists' ? '~exists' : t.condition.quantifier} ${showProp(t.condition.prop)}`;
  const verdict =
    judgement === null
      ? ''
      : ` Judged over ${judgement.executions} executions: ${judgement.verdict} (${judgement.positive} satisfy the condition).`;
  const role =
    chosen.role === 'witness'
      ? 'These steps are the first execution that satisfies it.'
      : 'No execution satisfies it; these steps are the first execution enumerated.';
  const description = `herd7 AArch64 litmus test ${t.name}, imported: ${t.threads.length} thread(s) on CPUs 0…${t.threads.length - 1}, each thread's instructions in program order, interleaved; condition ${cond}.${verdict} ${role}`;
  const steps: string[] = [];
  for (let cpu = 0; cpu < t.threads.length; cpu++)
    steps.push(`  - ${flow({ op: 'set-root', cpu, space: LITMUS_SPACE })}`);
  for (const e of chosen.execution.trace) {
    if (Object.keys(e.step).length === 0) continue; // a load of an entry: no hardware step
    const label = e.line.labels.length > 0 ? `${e.line.labels.join(',')}: ` : '';
    const comment = `P${e.thread} ${label}${e.line.text}${e.note === '' ? '' : ` → ${e.note}`}`;
    steps.push(`  - ${flow({ ...e.step, comment })}`);
  }
  return [
    `name: ${plan.scenarioName}`,
    `description: ${JSON.stringify(description)}`,
    `source: ${JSON.stringify(`herd7 litmus test ${t.name}`)}`,
    plan.baseYaml,
    'steps:',
    ...steps,
    '',
  ].join('\n');
}
