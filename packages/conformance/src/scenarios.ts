// The kit's built-in scenarios (`scenarios/*.yaml` in this package), loaded with the plug-ins' op
// schemas, probes and counters exactly as the CLI loads a user's file.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  formatScenarioError,
  loadScenarioText,
  scenarioOptionsFor,
  type PolicyRegistry,
  type Scenario,
  type Step,
} from '@shootdown/engine';

/** The folder shipped next to `dist/` (and `src/`). */
export const SCENARIO_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

export interface KitScenario {
  readonly file: string;
  readonly scenario: Scenario;
}

/** Every built-in scenario, sorted by file name; a scenario that does not load is the kit's own bug. */
export function loadKitScenarios(registry: PolicyRegistry): KitScenario[] {
  const opts = scenarioOptionsFor(registry);
  const files = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.map((file) => {
    const loaded = loadScenarioText(readFileSync(SCENARIO_DIR + file, 'utf8'), file, opts);
    if (!loaded.ok) {
      throw new Error(
        `conformance scenario ${file} does not load:\n${loaded.errors.map(formatScenarioError).join('\n')}`,
      );
    }
    return { file, scenario: loaded.scenario };
  });
}

/** Every step of a scenario by path, nested ones included, in program order. */
export function stepsByPath(steps: readonly Step[], into = new Map<string, Step>()): Map<string, Step> {
  for (const s of steps) {
    into.set(s.path, s);
    if (s.op === 'repeat') for (const body of s.iterations) stepsByPath(body, into);
    if (s.op === 'interleave') {
      into.set(s.operation.path, s.operation);
      stepsByPath(s.steps, into);
    }
  }
  return into;
}
