// Every execution of a litmus test, enumerated depth-first by replay (stateless, as model checkers of
// concurrent programs do): run with a list of decisions, learn the choice points the run met and how many
// options each had, then advance the last point that has an option left and run again from the start.
// Each execution keeps every thread's program order; the options are which thread's next visible
// instruction runs and, at an access that a stale entry may serve, the old or the new entry
// (execute.ts). Bounded: past `maxExecutions` the enumeration stops and says so, since a verdict from a
// part of the executions would be a guess.
import type { Scenario } from '../../scenario/types.js';
import { LitmusMachine, type Decisions, type Execution, type PointKind } from './execute.js';
import type { Plan } from './translate.js';

export const DEFAULT_MAX_EXECUTIONS = 100_000;

export type Enumeration =
  | { readonly kind: 'complete'; readonly executions: number }
  | { readonly kind: 'bounded'; readonly executions: number; readonly message: string }
  | { readonly kind: 'unsupported'; readonly executions: number; readonly what: string };

/** The next decision list after an execution, or null when every option has been taken. */
export function nextDecisions(
  points: readonly number[],
  chosen: readonly number[],
  kinds: readonly PointKind[],
): Decisions | null {
  for (let k = chosen.length - 1; k >= 0; k--) {
    if (chosen[k]! + 1 < points[k]!)
      return { chosen: [...chosen.slice(0, k), chosen[k]! + 1], kinds: kinds.slice(0, k + 1) };
  }
  return null;
}

export function enumerate(
  plan: Plan,
  scenario: Scenario,
  onExecution: (e: Execution) => void,
  maxExecutions: number = DEFAULT_MAX_EXECUTIONS,
): Enumeration {
  let decisions: Decisions | null = { chosen: [], kinds: [] };
  let count = 0;
  while (decisions !== null) {
    if (count >= maxExecutions) {
      return {
        kind: 'bounded',
        executions: count,
        message: `more than ${maxExecutions} executions (interleavings × entry choices); raise --max-executions to enumerate them all`,
      };
    }
    const e = new LitmusMachine(plan, scenario, decisions).run();
    count++;
    if (e.unsupported !== null) return { kind: 'unsupported', executions: count, what: e.unsupported };
    onExecution(e);
    decisions = nextDecisions(e.points, e.chosen, e.kinds);
  }
  return { kind: 'complete', executions: count };
}
