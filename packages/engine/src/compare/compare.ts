// N results of one scenario → one table model: rows for step outcomes, counters, cycles and invariants,
// one column per selection, the first step where outcomes diverge marked (DESIGN §5).
import type { RunResult, StepResult } from '../result/types.js';
import { COUNTERS } from '../scenario/vocabulary.js';
import type {
  ColumnSummary,
  Comparison,
  InvariantCell,
  InvariantRow,
  NumberRow,
  StepCell,
  StepRow,
} from './types.js';
import { verdictOf } from './verdict-of.js';

/** Comparing results of different scenarios is a user mistake (exit code 2 in the CLI's terms). */
export class ComparisonError extends Error {
  override readonly name = 'ComparisonError';
  readonly exitCode = 2;
}

function stepCell(s: StepResult | undefined, r: RunResult): StepCell {
  if (s === undefined) return { outcome: null, violations: [], findings: [], cycles: 0, latency: 0 };
  const broke = r.violations.filter((v) => v.step === s.path);
  const ids = [
    ...new Set(
      [...broke.filter((v) => v.claimed), ...broke.filter((v) => !v.claimed)].map((v) => v.invariant),
    ),
  ];
  return {
    outcome: s.outcome,
    ...(s.pages === undefined ? {} : { pages: s.pages }),
    ...(s.key === undefined ? {} : { key: s.key }),
    ...(s.signal === undefined ? {} : { signal: s.signal }),
    ...(s.expectation === undefined ? {} : { held: s.expectation.held }),
    ...(s.expectation?.detail === undefined ? {} : { detail: s.expectation.detail }),
    ...(s.ignored === undefined || s.ignored.length === 0 ? {} : { ignored: s.ignored }),
    violations: ids,
    findings: [...new Set(broke.filter((v) => v.claimed).map((v) => v.invariant))],
    cycles: s.cycles,
    latency: s.latency,
  };
}

function sameOutcome(a: StepCell, b: StepCell): boolean {
  if (a.outcome !== b.outcome || a.key !== b.key) return false;
  // Which signal a fault raises, and whether the process survived it, is part of what the step did.
  if (a.signal?.code !== b.signal?.code || a.signal?.handled !== b.signal?.handled) return false;
  const pa = a.pages ?? [];
  const pb = b.pages ?? [];
  return pa.length === pb.length && pa.every((x, i) => x === pb[i]);
}

function numberRow(kind: NumberRow['kind'], name: string, values: number[]): NumberRow {
  return { kind, name, values, diverges: values.some((v) => v !== values[0]) };
}

/** Counter rows in the shared vocabulary's order (DESIGN §2), then policy counters alphabetically. */
function counterNames(results: readonly RunResult[]): string[] {
  const seen = new Set<string>();
  for (const r of results) for (const k of Object.keys(r.totals.counters)) seen.add(k);
  const known = COUNTERS.filter((c) => seen.has(c));
  const rest = [...seen].filter((c) => !COUNTERS.includes(c)).sort();
  return [...known, ...rest];
}

function summary(r: RunResult): ColumnSummary {
  return {
    expectationsFailed: r.totals.expectationsFailed,
    findings: r.violations.filter((v) => v.claimed).length,
    notes: r.violations.filter((v) => !v.claimed).length,
    unsupported: r.totals.unsupported,
    verdict: verdictOf(r),
  };
}

export function compareResults(results: readonly RunResult[]): Comparison {
  if (results.length === 0) throw new ComparisonError('nothing to compare: no results');
  const scenario = results[0].scenario;
  const other = results.find((r) => r.scenario !== scenario);
  if (other !== undefined) {
    throw new ComparisonError(
      `cannot compare results of different scenarios: "${scenario}" and "${other.scenario}"`,
    );
  }
  // step order: the first result's, then any path only later results have (one stopped early)
  const order: string[] = [];
  const byPath = results.map((r) => new Map(r.steps.map((s) => [s.path, s])));
  const first = new Map<string, StepResult>();
  for (const r of results) {
    for (const s of r.steps) {
      if (!first.has(s.path)) {
        first.set(s.path, s);
        order.push(s.path);
      }
    }
  }
  let firstDivergence: string | null = null;
  const steps: StepRow[] = order.map((path) => {
    const proto = first.get(path)!;
    const cells = results.map((r, i) => stepCell(byPath[i].get(path), r));
    const diverges = cells.some((c) => !sameOutcome(c, cells[0]));
    if (diverges && firstDivergence === null) firstDivergence = path;
    const expected = results
      .map((_, i) => byPath[i].get(path)?.expectation?.expected)
      .find((e) => e !== undefined);
    return {
      kind: 'step',
      path,
      op: proto.op,
      label: results.map((_, i) => byPath[i]!.get(path)?.label).find((l) => l !== undefined) ?? proto.op,
      line: proto.line,
      cpu: proto.cpu,
      ...(expected === undefined ? {} : { expected }),
      cells,
      diverges,
    };
  });
  const counters = counterNames(results).map((name) =>
    numberRow(
      'counter',
      name,
      results.map((r) => r.totals.counters[name] ?? 0),
    ),
  );
  const invariantIds = [...new Set(results.flatMap((r) => r.violations.map((v) => v.invariant)))].sort();
  const invariants: InvariantRow[] = invariantIds.map((invariant) => {
    const cells = results.map((r): InvariantCell => {
      const vs = r.violations.filter((v) => v.invariant === invariant);
      if (vs.length === 0) return { count: 0, claimed: null, firstStep: null };
      return { count: vs.length, claimed: vs.some((v) => v.claimed), firstStep: vs[0].step };
    });
    const key = (c: InvariantCell): string => `${c.count > 0}/${String(c.claimed)}`;
    return { kind: 'invariant', invariant, cells, diverges: cells.some((c) => key(c) !== key(cells[0])) };
  });
  return {
    scenario,
    columns: results.map((r) => ({ selection: r.selection, policy: r.policy, tlb: r.tlb })),
    steps,
    counters,
    cycles: numberRow(
      'cycles',
      'work',
      results.map((r) => r.totals.cycles),
    ),
    latency: numberRow(
      'latency',
      'latency',
      results.map((r) => r.totals.latency),
    ),
    expectations: numberRow(
      'expectations',
      'expectations failed',
      results.map((r) => r.totals.expectationsFailed),
    ),
    invariants,
    summaries: results.map(summary),
    firstDivergence,
    notes: results.flatMap((r) => r.notes.map((n) => `${r.selection}: ${n}`)),
  };
}
