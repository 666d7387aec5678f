// Scenario arguments → loaded scenarios, or one clear error listing every problem at file:line:column
// (DESIGN §4: bad input gets file, line, column and the JSON pointer — never a stack trace — and nothing runs).
import type { PolicyRegistry } from '@shootdown/core';
import {
  COUNTERS,
  formatScenarioError,
  loadScenarioFile,
  selectionChecker,
  type LoadOptions,
  type Scenario,
  type ScenarioError,
} from '@shootdown/engine';
import { InputError } from './errors.js';
import { resolveScenarioRef, type ScenarioRef } from './scenario-ref.js';
import type { ParamOverrides } from './set-flags.js';

/** At most this many error lines per command: enough to fix a file, short enough to read. */
const MAX_ERROR_LINES = 20;

/** What the loader must know from the plug-ins: their ops' schemas, probes and counters. */
export function loadOptionsFor(registry: PolicyRegistry, set: ParamOverrides = {}): LoadOptions {
  const opSchemas: Record<string, NonNullable<LoadOptions['opSchemas']>[string]> = {};
  for (const op of registry.ops()) opSchemas[op.name] = op.schema;
  return {
    set,
    opSchemas,
    probes: registry.probes().map((p) => p.name),
    counters: [...COUNTERS, ...registry.counters().map((c) => c.name)],
    selection: selectionChecker(registry),
  };
}

/** The name the loader reports errors under: what the user typed for a file, the path for a catalogue entry. */
function fileLabel(ref: ScenarioRef): string {
  return ref.catalogTopic === undefined ? ref.given : ref.path;
}

export interface LoadedScenario {
  readonly ref: ScenarioRef;
  readonly scenario: Scenario;
}

export interface ScenarioLoadOutcome {
  readonly ref: ScenarioRef | undefined;
  readonly given: string;
  readonly scenario?: Scenario;
  readonly errors: readonly string[];
}

/** Loads one argument; never throws for user mistakes, returns them as formatted lines. */
export async function tryLoadScenario(given: string, options: LoadOptions): Promise<ScenarioLoadOutcome> {
  let ref: ScenarioRef;
  try {
    ref = resolveScenarioRef(given);
  } catch (e) {
    if (e instanceof InputError) return { ref: undefined, given, errors: [e.message, ...e.hints] };
    throw e;
  }
  const label = fileLabel(ref);
  const res = await loadScenarioFile(label === ref.given ? ref.given : ref.path, options);
  if (res.ok) return { ref, given, scenario: res.scenario, errors: [] };
  return { ref, given, errors: res.errors.map((e: ScenarioError) => formatScenarioError(e)) };
}

/** Loads every argument; if any fails, throws one InputError with all the problems (and runs nothing). */
export async function loadScenarios(
  given: readonly string[],
  options: LoadOptions,
): Promise<LoadedScenario[]> {
  const outcomes = await Promise.all(given.map((g) => tryLoadScenario(g, options)));
  const problems = outcomes.flatMap((o) => o.errors);
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_ERROR_LINES);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
    const [first, ...rest] = shown;
    throw new InputError(first ?? 'invalid scenario', rest);
  }
  return outcomes.map((o) => ({ ref: o.ref!, scenario: o.scenario! }));
}
