// A candidate scenario document → its signature under the selections: written as YAML, loaded and
// validated exactly as a file would be (so a candidate that no longer loads — a step naming a region
// whose creating step was dropped, a CPU beyond the machine — never counts), then run under each
// selection by the runner given: `minimize` and `explore` pass the contained worker pool compare uses
// (parallel-matrix.ts), so a candidate that loops or exhausts its heap costs its limit, not the command.
import type { ResolvedSelection } from '@shootdown/core';
import { loadScenarioText, type LoadOptions, type RunResult, type Scenario } from '@shootdown/engine';
import { startMatrixPool } from '../parallel-matrix.js';
import type { RunLimits } from '../run-limits.js';
import { Document, isMap, isSeq } from 'yaml';
import { signatureOf, type Signature, type SignatureMode } from './signature.js';

/** The document as the YAML a person would write: one step per line where it fits. */
export function documentYaml(doc: unknown): string {
  const d = new Document(doc);
  const steps = isMap(d.contents) ? d.contents.get('steps', true) : undefined;
  if (isSeq(steps)) for (const item of steps.items) if (isMap(item)) item.flow = true;
  const machine = isMap(d.contents) ? d.contents.get('machine', true) : undefined;
  if (isMap(machine)) machine.flow = true;
  return d.toString({ lineWidth: 110, flowCollectionPadding: true });
}

/** Runs one loaded scenario under every selection: in the CLI, on the contained worker pool. */
export type ScenarioRunner = (scenario: Scenario) => Promise<RunResult[]>;

export interface Reproducer {
  /** The scenario the document loads to, or undefined when it does not load. */
  load(doc: unknown): Scenario | undefined;
  /** Its results under the selections (a run that did not complete has an `error`); undefined: no load. */
  results(doc: unknown): Promise<RunResult[] | undefined>;
  /** Its signature under the selections, or undefined when it does not load or a run did not complete. */
  signature(doc: unknown): Promise<Signature | undefined>;
}

export function reproducer(
  run: ScenarioRunner,
  loadOptions: LoadOptions,
  file: string,
  mode: SignatureMode,
  costRatio?: number,
): Reproducer {
  const load = (doc: unknown): Scenario | undefined => {
    const res = loadScenarioText(documentYaml(doc), file, loadOptions);
    return res.ok ? res.scenario : undefined;
  };
  const results = async (doc: unknown): Promise<RunResult[] | undefined> => {
    const scenario = load(doc);
    return scenario === undefined ? undefined : run(scenario);
  };
  return {
    load,
    results,
    async signature(doc) {
      const r = await results(doc);
      // a candidate whose run failed (a time or heap limit, a plug-in that threw, a machine the MMU
      // cannot build) does not reproduce: signatureOf says undefined for it
      return r === undefined ? undefined : signatureOf(r, mode, costRatio);
    },
  };
}

/**
 * A reproducer whose candidates run on a contained worker pool of their own (one worker per selection at
 * most, `jobs` and `limits` as compare takes them); `close` ends the workers.
 */
export function containedReproducer(
  pluginRoots: readonly string[],
  selections: readonly ResolvedSelection[],
  run: { readonly jobs: number | undefined; readonly limits: RunLimits },
  loadOptions: LoadOptions,
  file: string,
  mode: SignatureMode,
  costRatio?: number,
): { check: Reproducer; close: () => Promise<void> } {
  const pool = startMatrixPool(selections.length, pluginRoots, run.jobs, run.limits);
  const check = reproducer(
    (scenario) => pool.runScenario(scenario, selections),
    loadOptions,
    file,
    mode,
    costRatio,
  );
  return { check, close: () => pool.close() };
}
