// KTAP v1, the kernel's test-output format (Documentation/dev-tools/ktap.rst): one test per selection,
// each with one subtest per step and an `invariants` subtest (and, under --expect, a `verdict` subtest);
// subtests indented two spaces, `# ` lines for diagnostics, directly before the result they explain.
//
// A result agrees with the exit code. Without a verdict file a selection is `not ok` exactly when the
// command exits 1 for it: a claimed invariant broke or an expectation failed. Under --expect a selection
// is `not ok` exactly when its run disagrees with the verdict file; a failure the file expects (a variant
// pinned as `violates wx-alias` that does break wx-alias) is `ok … # XFAIL`, the directive ktap.rst lists
// for a test that is expected to fail (kselftest.h's ksft_test_result_xfail prints `ok N # XFAIL`).
// Steps the policy cannot express, or that never ran, carry `# SKIP` with the reason; ktap.rst allows
// either result with SKIP, so one whose expectation failed stays `not ok` (the exit code counts it).
// A run that did not complete is `not ok … # ERROR` (ktap.rst: ERROR is always `not ok`).
import type { Comparison, StepCell, StepRow } from '../compare/types.js';
import type { Verdict, VerdictMismatch } from '../verdict/types.js';
import { verdictText } from '../verdict/parse.js';
import { ASCII, outcomeText } from './cells.js';
import type { Renderer, RenderOptions } from './types.js';

/** A KTAP description cannot contain `#` (it starts the directive): repeat iterations use `[i]`. */
function name(row: StepRow): string {
  return `step ${row.path.replace(/#(\d+)/g, '[$1]')} ${row.op}`.replace(/#/g, '');
}

function clean(s: string): string {
  return s.replace(/#/g, '').replace(/\s+/g, '_');
}

/** What a verdict file says about one column, when the report was checked against one. */
interface Expected {
  /** The column's run matches its verdict line. */
  readonly matched: boolean;
  /** `verdict line 32: violates wx-alias`, or that the file has no line for the run. */
  readonly source: string;
  readonly mismatches: readonly VerdictMismatch[];
  readonly outOfScope: boolean;
}

function stepLine(
  n: number,
  row: StepRow,
  cell: StepCell,
  expected: Expected | undefined,
  indent: string,
): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  const outcome = outcomeText(cell, ASCII);
  if (cell.outcome === null) return { lines: [`${indent}ok ${n} ${name(row)} # SKIP not run`], ok: true };
  const failed = cell.held === false;
  // a failure the verdict file pins is expected; any other failure fails the test
  const ok = !failed || expected?.matched === true;
  if (failed) {
    lines.push(`${indent}# ${name(row)}: expected ${row.expected ?? '?'}, got ${outcome}`);
    if (cell.detail !== undefined) lines.push(`${indent}# ${cell.detail}`);
  }
  if (cell.ignored !== undefined) lines.push(`${indent}# ${name(row)}: ignored ${cell.ignored.join(', ')}`);
  if (cell.latency !== 0 || cell.cycles !== 0)
    lines.push(`${indent}# ${name(row)}: latency ${cell.latency}, work ${cell.cycles}`);
  const result = `${indent}${ok ? 'ok' : 'not ok'} ${n} ${name(row)}`;
  if (cell.outcome === 'unsupported') lines.push(`${result} # SKIP unsupported by this policy`);
  else if (cell.outcome === 'skipped') lines.push(`${result} # SKIP ${cell.detail ?? 'not run'}`);
  else if (failed && ok) lines.push(`${result} # XFAIL ${outcome}; ${expected!.source}`);
  else lines.push(`${result} # ${outcome}`);
  return { lines, ok };
}

function expectedFor(c: Comparison, k: number, options: RenderOptions): Expected | undefined {
  const v = options.verdicts;
  if (v === undefined) return undefined;
  const selection = c.columns[k].selection;
  const mismatches = v.mismatches.filter((m) => m.scenario === c.scenario && m.selection === selection);
  const line: Verdict | undefined = v.file.verdicts.find(
    (x) => x.scenario === c.scenario && x.selection === selection,
  );
  return {
    matched: mismatches.length === 0,
    source: line === undefined ? 'no verdict line' : `verdict line ${line.line}: ${verdictText(line)}`,
    mismatches,
    outOfScope: line?.kind === 'out-of-scope',
  };
}

function selectionTest(c: Comparison, k: number, options: RenderOptions, out: string[]): boolean {
  const ind = '  ';
  const expected = expectedFor(c, k, options);
  const sel = c.columns[k].selection;
  const summary = c.summaries[k];
  out.push(`${ind}KTAP version 1`, `${ind}1..${c.steps.length + (expected === undefined ? 1 : 2)}`);
  let allOk = true;
  c.steps.forEach((row, i) => {
    const s = stepLine(i + 1, row, row.cells[k], expected, ind);
    out.push(...s.lines);
    allOk &&= s.ok;
  });
  const findings = c.invariants.filter((r) => r.cells[k].claimed === true);
  const notes = c.invariants.filter((r) => r.cells[k].claimed === false);
  for (const r of findings) {
    out.push(
      `${ind}# finding: ${r.invariant} broke ${r.cells[k].count} time(s), first at step ${r.cells[k].firstStep}`,
    );
  }
  for (const r of notes)
    out.push(`${ind}# note: ${r.invariant} (not claimed) broke ${r.cells[k].count} time(s)`);
  const n = c.steps.length + 1;
  if (findings.length === 0) out.push(`${ind}ok ${n} invariants`);
  else if (expected?.matched === true) out.push(`${ind}ok ${n} invariants # XFAIL ${expected.source}`);
  else out.push(`${ind}not ok ${n} invariants`);
  allOk &&= findings.length === 0 || expected?.matched === true;
  if (expected !== undefined) {
    // the run against its verdict line: what --expect's exit code says
    for (const m of expected.mismatches) out.push(`${ind}# ${m.message}`);
    out.push(`${ind}${expected.matched ? 'ok' : 'not ok'} ${n + 1} verdict # ${summary.verdict}`);
    allOk &&= expected.matched;
  } else if (summary.expectationsFailed > 0 && allOk) {
    // an expectation the steps do not show failed (the exit code counts it all the same)
    out.push(`# ${clean(c.scenario)} ${sel}: ${summary.expectationsFailed} expectation(s) failed`);
    allOk = false;
  }
  out.push(`# ${clean(c.scenario)} ${sel}: latency ${c.latency.values[k]}, work ${c.cycles.values[k]}`);
  out.push(`# ${clean(c.scenario)} ${sel}: ${summary.verdict}`);
  const desc = `${k + 1} ${clean(c.scenario)}:${clean(sel)}`;
  if (summary.verdict === 'error') {
    out.push(`not ok ${desc} # ERROR the run did not complete`);
    return false;
  }
  let directive = '';
  if (expected?.outOfScope === true) directive = ` # SKIP out of scope in ${expected.source}`;
  else if (allOk && summary.verdict === 'unsupported') directive = ' # SKIP unsupported by this policy';
  out.push(`${allOk ? 'ok' : 'not ok'} ${desc}${directive}`);
  return allOk;
}

export const ktapRenderer: Renderer = {
  format: 'ktap',
  description: "the kernel's KTAP v1 test format",
  extension: 'ktap',
  render(c: Comparison, options: RenderOptions = {}): string {
    const out: string[] = ['KTAP version 1', `1..${c.columns.length}`];
    if (options.verdicts !== undefined) out.push(`# verdict file: ${options.verdicts.file.file}`);
    c.columns.forEach((_, k) => selectionTest(c, k, options, out));
    return out.join('\n') + '\n';
  },
};
