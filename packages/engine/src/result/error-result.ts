// The result of a run that never finished: the plug-in ran past its time limit, exhausted its heap or
// crashed the worker that ran it. No step is trusted, so none is reported; the column shows the verdict
// `error` with what happened, and the other columns of the comparison are unaffected.
import type { ResolvedSelection } from '@shootdown/core';
import type { Scenario } from '../scenario/types.js';
import type { RunResult } from './types.js';

export function errorResult(scenario: Scenario, selection: ResolvedSelection, what: string): RunResult {
  return {
    scenario: scenario.name,
    selection: selection.text,
    policy: selection.policy === 'raw-mmu' ? selection.text : selection.policy,
    variants: selection.variants,
    machine: scenario.machine,
    tlb: scenario.machine.tlb,
    params: scenario.params,
    steps: [],
    totals: { cycles: 0, latency: 0, counters: {}, expectationsFailed: 0, findings: 0, unsupported: 0 },
    violations: [],
    notes: [],
    error: `${selection.text}: ${what}`,
  };
}
