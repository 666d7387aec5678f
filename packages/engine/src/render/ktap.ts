// KTAP v1, the kernel's test-output format (Documentation/dev-tools/ktap.rst): one test per selection,
// each with one subtest per step and a final `invariants` subtest; subtests indented two spaces, a parent
// fails when a subtest fails, `# SKIP` for steps the policy cannot express, `# ` lines for diagnostics.
import type { Comparison, StepCell, StepRow } from '../compare/types.js';
import { ASCII, outcomeText } from './cells.js';
import type { Renderer } from './types.js';

/** A KTAP description cannot contain `#` (it starts the directive): repeat iterations use `[i]`. */
function name(row: StepRow): string {
  return `step ${row.path.replace(/#(\d+)/g, '[$1]')} ${row.op}`.replace(/#/g, '');
}

function clean(s: string): string {
  return s.replace(/#/g, '').replace(/\s+/g, '_');
}

function stepLine(n: number, row: StepRow, cell: StepCell, indent: string): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  const outcome = outcomeText(cell, ASCII);
  if (cell.outcome === null) return { lines: [`${indent}ok ${n} ${name(row)} # SKIP not run`], ok: true };
  if (cell.outcome === 'unsupported') {
    return { lines: [`${indent}ok ${n} ${name(row)} # SKIP unsupported by this policy`], ok: true };
  }
  const ok = cell.held !== false;
  if (!ok) {
    lines.push(`${indent}# ${name(row)}: expected ${row.expected ?? '?'}, got ${outcome}`);
    if (cell.detail !== undefined) lines.push(`${indent}# ${cell.detail}`);
  }
  if (cell.ignored !== undefined) lines.push(`${indent}# ${name(row)}: ignored ${cell.ignored.join(', ')}`);
  if (cell.latency !== 0 || cell.cycles !== 0)
    lines.push(`${indent}# ${name(row)}: latency ${cell.latency}, work ${cell.cycles}`);
  lines.push(`${indent}${ok ? 'ok' : 'not ok'} ${n} ${name(row)} # ${outcome}`);
  return { lines, ok };
}

export const ktapRenderer: Renderer = {
  format: 'ktap',
  description: "the kernel's KTAP v1 test format",
  extension: 'ktap',
  render(c: Comparison): string {
    const out: string[] = ['KTAP version 1', `1..${c.columns.length}`];
    c.columns.forEach((col, k) => {
      const ind = '  ';
      out.push(`${ind}KTAP version 1`, `${ind}1..${c.steps.length + 1}`);
      let allOk = true;
      c.steps.forEach((row, i) => {
        const s = stepLine(i + 1, row, row.cells[k], ind);
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
      for (const r of notes) {
        out.push(`${ind}# note: ${r.invariant} (not claimed) broke ${r.cells[k].count} time(s)`);
      }
      out.push(`${ind}${findings.length === 0 ? 'ok' : 'not ok'} ${c.steps.length + 1} invariants`);
      allOk &&= findings.length === 0;
      out.push(
        `# ${clean(c.scenario)} ${col.selection}: latency ${c.latency.values[k]}, work ${c.cycles.values[k]}`,
      );
      out.push(`# ${clean(c.scenario)} ${col.selection}: ${c.summaries[k].verdict}`);
      out.push(`${allOk ? 'ok' : 'not ok'} ${k + 1} ${clean(c.scenario)}:${clean(col.selection)}`);
    });
    return out.join('\n') + '\n';
  },
};
