// A candidate scenario document → its signature under the selections: written as YAML, loaded and
// validated exactly as a file would be (so a candidate that no longer loads — a step naming a region
// whose creating step was dropped, a CPU beyond the machine — never counts), then run under each
// selection on this thread. Used by `minimize` and `explore`, whose candidates are catalogue-sized.
import type { PolicyRegistry, ResolvedSelection } from '@shootdown/core';
import { loadScenarioText, runScenario, type LoadOptions, type Scenario } from '@shootdown/engine';
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

export interface Reproducer {
  /** The scenario the document loads to, or undefined when it does not load. */
  load(doc: unknown): Scenario | undefined;
  /** Its signature under the selections, or undefined when it does not load or a run fails. */
  signature(doc: unknown): Signature | undefined;
}

export function reproducer(
  registry: PolicyRegistry,
  selections: readonly ResolvedSelection[],
  loadOptions: LoadOptions,
  file: string,
  mode: SignatureMode,
  costRatio?: number,
): Reproducer {
  const load = (doc: unknown): Scenario | undefined => {
    const res = loadScenarioText(documentYaml(doc), file, loadOptions);
    return res.ok ? res.scenario : undefined;
  };
  return {
    load,
    signature(doc) {
      const scenario = load(doc);
      if (scenario === undefined) return undefined;
      try {
        return signatureOf(
          selections.map((selection) => runScenario(scenario, { registry, selection })),
          mode,
          costRatio,
        );
      } catch {
        // a candidate the runner cannot execute (a machine the MMU cannot build) does not reproduce
        return undefined;
      }
    },
  };
}
