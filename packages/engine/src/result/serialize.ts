// Byte-stable JSON of a result (DESIGN §5: "the same inputs give byte-identical JSON"): keys in a fixed
// order for the known shapes, sorted for open records (counters, variants, params, machine), two-space
// indentation, one trailing newline. No timestamps or host data ever enter a RunResult.
import type { RunResult, StepBreakdown, StepResult, Violation } from './types.js';

/** Deep copy with object keys sorted (arrays keep their order). */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = sortKeys(o[k]);
    return out;
  }
  return v;
}

function orderedStep(s: StepResult): Record<string, unknown> {
  const o: Record<string, unknown> = { path: s.path, op: s.op };
  if (s.label !== undefined) o['label'] = s.label;
  o['line'] = s.line;
  o['cpu'] = s.cpu;
  o['outcome'] = s.outcome;
  if (s.pages !== undefined) o['pages'] = [...s.pages];
  if (s.ignored !== undefined) o['ignored'] = [...s.ignored];
  if (s.value !== undefined) o['value'] = sortKeys(s.value);
  if (s.expectation !== undefined) {
    const e = s.expectation;
    o['expectation'] = {
      expected: e.expected,
      held: e.held,
      ...(e.detail === undefined ? {} : { detail: e.detail }),
    };
  }
  o['cycles'] = s.cycles;
  o['latency'] = s.latency;
  o['counters'] = sortKeys(s.counters);
  return o;
}

function orderedViolation(v: Violation): Record<string, unknown> {
  return {
    invariant: v.invariant,
    claimed: v.claimed,
    step: v.step,
    cpu: v.cpu,
    address: v.address,
    frame: v.frame,
    explanation: v.explanation,
  };
}

function orderedBreakdown(b: StepBreakdown): Record<string, unknown> {
  return {
    step: b.step,
    op: b.op,
    label: b.label,
    cpu: b.cpu,
    unit: b.unit,
    latency: b.latency,
    work: b.work,
    events: b.events.map((e) => ({
      event: e.event,
      weight: e.weight,
      count: e.count,
      onPath: e.onPath,
      latency: e.latency,
      work: e.work,
    })),
    // a CPU's events keep the order of the event rows above (breakdown.ts), not sorted
    cpus: b.cpus.map((c) => ({ cpu: c.cpu, role: c.role, work: c.work, events: { ...c.events } })),
  };
}

/** The result as a plain object in canonical key order (what `serializeResult` prints). */
export function canonicalResult(r: RunResult): Record<string, unknown> {
  return {
    scenario: r.scenario,
    selection: r.selection,
    policy: r.policy,
    variants: sortKeys(r.variants),
    machine: sortKeys(r.machine),
    tlb: r.tlb,
    params: sortKeys(r.params),
    steps: r.steps.map(orderedStep),
    totals: {
      cycles: r.totals.cycles,
      latency: r.totals.latency,
      counters: sortKeys(r.totals.counters),
      expectationsFailed: r.totals.expectationsFailed,
      findings: r.totals.findings,
      unsupported: r.totals.unsupported,
    },
    violations: r.violations.map(orderedViolation),
    notes: [...r.notes],
    ...(r.error === undefined ? {} : { error: r.error }),
    ...(r.breakdown === undefined ? {} : { breakdown: orderedBreakdown(r.breakdown) }),
  };
}

export function serializeResult(r: RunResult): string {
  return JSON.stringify(canonicalResult(r), null, 2) + '\n';
}
