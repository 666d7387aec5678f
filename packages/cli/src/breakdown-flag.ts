// `run --breakdown <step>`: the step is named by its path, exactly as results and reports print it ("4",
// "3#2.0" for the first body step of repeat 3's third iteration, "5.op" for an interleave's operation). A
// path the scenario does not have is bad input (exit 2), named with the closest path and the range of
// top-level steps, before anything runs.
import { allSteps, BREAKDOWN_FORMATS, type Scenario } from '@shootdown/engine';
import { InputError } from './errors.js';
import { closest } from './suggest.js';

/** The formats a breakdown is drawn in; another is bad input. */
export function checkBreakdownFormat(format: string): void {
  if (!(BREAKDOWN_FORMATS as readonly string[]).includes(format)) {
    throw new InputError(`--breakdown prints ${BREAKDOWN_FORMATS.join(', ')}; not --format ${format}`);
  }
}

/** The step path `ref` names in `scenario`, or an InputError saying which paths there are. */
export function checkBreakdownStep(scenario: Scenario, ref: string): string {
  const path = ref.trim();
  const paths = allSteps(scenario).map((s) => s.path);
  if (paths.includes(path)) return path;
  const top = scenario.steps.map((s) => s.path);
  const range =
    top.length === 0 ? 'it has no steps' : `its top-level steps are ${top[0]}–${top[top.length - 1]}`;
  // A path one level too deep (`4.op` where step 4 is no interleave) means its existing ancestor.
  const ancestor = paths.filter((p) => path.startsWith(p) && /^[.#]/.test(path.slice(p.length))).pop();
  const near = ancestor ?? closest(path, paths);
  throw new InputError(
    `--breakdown ${ref}: scenario ${scenario.name} has no step ${JSON.stringify(path)}; ${range}`,
    [
      ...(near === undefined ? [] : [`did you mean --breakdown ${near}?`]),
      'a step is named by its path, as results print it: "4", "3#2.0" (repeat 3, iteration 2, body step 0), "5.op" (an interleave\'s operation)',
    ],
  );
}
