// The claims rule: no selection may claim more than it gives. The kit's claim scenarios (`scenarios/claims/`)
// aim stray kernel writes at page tables of every level a kernel keeps — user PTE/PMD/PUD, vmalloc, the linear
// map, the kernel image — and run under every selection of every policy, not only the default: each invariant a
// selection claims must hold there, and a selection claiming `pagetable-write-protected` must have had every
// stray write actually aimed at a table (a write that found no frame proves nothing). Expectations of steps are
// not judged: an unprotected variant lets the writes land, and says so by not claiming the invariant.
import { readdirSync, readFileSync } from 'node:fs';
import type { PolicyRegistry, ResolvedSelection } from '@shootdown/core';
import { formatScenarioError, loadScenarioText, runScenario, scenarioOptionsFor } from '@shootdown/engine';
import { SCENARIO_DIR, stepsByPath, type KitScenario } from './scenarios.js';

/** The folder of claim scenarios, next to the kit's other scenarios. */
export const CLAIM_SCENARIO_DIR = `${SCENARIO_DIR}claims/`;

/** The invariant a stray write tests. */
const WRITE_PROTECTED = 'pagetable-write-protected';

/** Every claim scenario, sorted by file name (named `claims/<file>`); one that does not load is the kit's bug. */
export function loadClaimScenarios(registry: PolicyRegistry): KitScenario[] {
  const opts = scenarioOptionsFor(registry);
  const files = readdirSync(CLAIM_SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.map((f) => {
    const file = `claims/${f}`;
    const loaded = loadScenarioText(readFileSync(CLAIM_SCENARIO_DIR + f, 'utf8'), file, opts);
    if (!loaded.ok) {
      throw new Error(
        `conformance scenario ${file} does not load:\n${loaded.errors.map(formatScenarioError).join('\n')}`,
      );
    }
    return { file, scenario: loaded.scenario };
  });
}

export interface ClaimCheckOptions {
  readonly registry: PolicyRegistry;
  readonly selection: ResolvedSelection;
}

/** What `selection` claims and does not give in one claim scenario, as sentences. */
export function claimProblems(kit: KitScenario, opts: ClaimCheckOptions): string[] {
  const problems: string[] = [];
  let result;
  try {
    result = runScenario(kit.scenario, { registry: opts.registry, selection: opts.selection });
  } catch (e) {
    return [`the run threw: ${e instanceof Error ? e.message : String(e)}`];
  }
  const steps = stepsByPath(kit.scenario.steps);
  const where = (path: string): string => {
    const s = steps.get(path);
    return s === undefined ? `step ${path}` : `step ${path} ${s.op} (line ${s.source.line})`;
  };
  for (const v of result.violations) {
    if (!v.claimed) continue;
    problems.push(`claims ${v.invariant}, but at ${where(v.step)}: ${v.explanation}`);
  }
  if (opts.selection.claims.includes(WRITE_PROTECTED)) {
    for (const s of result.steps) {
      if (s.op === 'stray-write' && s.outcome === 'skipped') {
        problems.push(`claims ${WRITE_PROTECTED}, but ${where(s.path)} found no page table to aim at`);
      }
    }
  }
  return problems;
}
