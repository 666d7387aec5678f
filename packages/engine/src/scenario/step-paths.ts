// Every step of a loaded scenario by its path (`StepBase.path`), in the order the runner executes them —
// for tools that name one step (`run --breakdown <step>`) to check the name before anything runs.
import type { Scenario, Step } from './types.js';

/** Every step, nested ones included, in execution order (a repeat's body after the repeat). */
export function allSteps(scenario: Scenario): Step[] {
  const out: Step[] = [];
  const walk = (steps: readonly Step[]): void => {
    for (const s of steps) {
      out.push(s);
      if (s.op === 'repeat') for (const body of s.iterations) walk(body);
      else if (s.op === 'interleave') walk([s.operation, ...s.steps]);
    }
  };
  walk(scenario.steps);
  return out;
}

/** The step at `path`, or undefined. */
export function stepAt(scenario: Scenario, path: string): Step | undefined {
  return allSteps(scenario).find((s) => s.path === path);
}
