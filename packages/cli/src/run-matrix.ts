// Runs every scenario under every selection, in order, with progress on a terminal. Everything is loaded
// and checked before the first run starts, so a user mistake never leaves half a report behind.
import type { LoadReport, PolicyRegistry, ResolvedSelection } from '@shootdown/core';
import {
  compareResults,
  runScenario,
  type Comparison,
  type RecordedTrace,
  type RunResult,
} from '@shootdown/engine';
import type { LoadedScenario } from './scenario-input.js';
import { Progress } from './progress.js';

export interface MatrixResult {
  /** Per scenario, one result per selection, in the order given. */
  readonly results: readonly (readonly RunResult[])[];
  readonly comparisons: readonly Comparison[];
  /** With `trace`: every run's recording, shaped like `results` (undefined for a run that died). */
  readonly traces?: readonly (readonly (RecordedTrace | undefined)[])[];
}

export function runMatrix(
  registry: PolicyRegistry,
  scenarios: readonly LoadedScenario[],
  selections: readonly ResolvedSelection[],
): MatrixResult {
  const progress = new Progress(scenarios.length * selections.length);
  const results: RunResult[][] = [];
  try {
    for (const { scenario } of scenarios) {
      const row: RunResult[] = [];
      for (const selection of selections) {
        progress.step(`${scenario.name} ${selection.text}`);
        row.push(runScenario(scenario, { registry, selection }));
        progress.advance();
      }
      results.push(row);
    }
  } finally {
    progress.finish();
  }
  return { results, comparisons: results.map((r) => compareResults(r)) };
}

/** What makes a run exit 1 without a verdict file: a broken claimed invariant or a failed expectation. */
export function findingsOf(results: readonly RunResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const parts: string[] = [];
    if (r.totals.findings > 0) {
      const ids = [...new Set(r.violations.filter((v) => v.claimed).map((v) => v.invariant))];
      parts.push(`claimed invariant${ids.length > 1 ? 's' : ''} broke: ${ids.join(', ')}`);
    }
    if (r.totals.expectationsFailed > 0) {
      parts.push(
        `${r.totals.expectationsFailed} expectation${r.totals.expectationsFailed > 1 ? 's' : ''} failed`,
      );
    }
    if (parts.length > 0) out.push(`${r.scenario} ${r.selection}: ${parts.join('; ')}`);
  }
  return out;
}

/**
 * One line per run that did not complete (exit 3): the scenario, the plug-in that provides the selection's
 * policy (from the load report) and the result's own account of what happened.
 */
export function runErrorsOf(results: readonly RunResult[], report: LoadReport): string[] {
  const owner = new Map<string, string>();
  for (const p of report.loaded) for (const policy of p.policies) owner.set(policy, p.plugin);
  return results
    .filter((r) => r.error !== undefined)
    .map((r) => `${r.scenario}: plug-in ${owner.get(r.policy) ?? r.policy}, ${r.error!}`);
}
