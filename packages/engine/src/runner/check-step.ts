// A `check` query: the built-in map first, then a policy probe from the registry.
import type { CheckStep, JsonValue } from '../scenario/types.js';
import { CHECKS } from './checks/index.js';
import { UNSUPPORTED, stepOutcome, type StepOutcome } from './report.js';
import type { RunState } from './state.js';

export function runCheck(state: RunState, step: CheckStep): StepOutcome {
  const query = step.query!;
  let answer: JsonValue | undefined;
  const builtin = CHECKS.get(query);
  if (builtin !== undefined) {
    answer = builtin(state, step);
  } else {
    const probe = state.registry.probe(query);
    const c = state.container;
    if (probe === undefined || c === null || !probe.policies.includes(state.selection.policy))
      return UNSUPPORTED;
    answer = probe.answer({ container: c, cpu: step.cpu, args: step.args, id: null });
  }
  return answer === undefined
    ? UNSUPPORTED
    : stepOutcome('ok', undefined, undefined, undefined, undefined, answer);
}
