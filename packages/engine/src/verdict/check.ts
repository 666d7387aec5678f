// `compare --expect`: every run against its line in a verdict file (DESIGN §4 "The catalogue"). A run the
// file does not list is a mismatch too, so a new selection cannot slip past the regression suite.
import { verdictOf } from '../compare/verdict-of.js';
import type { RunResult } from '../result/types.js';
import { verdictText } from './parse.js';
import type { VerdictFile, VerdictMismatch } from './types.js';

export function checkVerdicts(results: readonly RunResult[], file: VerdictFile): VerdictMismatch[] {
  const out: VerdictMismatch[] = [];
  const index = new Map(file.verdicts.map((v) => [`${v.scenario} ${v.selection}`, v]));
  for (const r of results) {
    const actual = verdictOf(r);
    const v = index.get(`${r.scenario} ${r.selection}`);
    if (v === undefined) {
      out.push({
        kind: 'unlisted',
        scenario: r.scenario,
        selection: r.selection,
        expected: '',
        actual,
        line: 0,
        message: `${r.scenario} ${r.selection}: no verdict in ${file.file} (the run says ${actual})`,
      });
      continue;
    }
    if (v.kind === 'out-of-scope') continue;
    if (r.tlb !== file.tlb) {
      out.push({
        kind: 'tlb',
        scenario: r.scenario,
        selection: r.selection,
        expected: verdictText(v),
        actual,
        line: v.line,
        message: `${file.file}:${v.line}: verdicts were written for the ${file.tlb} TLB model, the run used ${r.tlb}`,
      });
      continue;
    }
    const expected = verdictText(v);
    if (expected !== actual) {
      out.push({
        kind: 'differs',
        scenario: r.scenario,
        selection: r.selection,
        expected,
        actual,
        line: v.line,
        message: `${file.file}:${v.line}: ${r.scenario} ${r.selection}: expected ${expected}, got ${actual}`,
      });
    }
  }
  out.push(...checkRatios(results, file));
  return out;
}

/** Pinned ratios whose two runs are both among `results` (a partial run checks what it can). */
function checkRatios(results: readonly RunResult[], file: VerdictFile): VerdictMismatch[] {
  const out: VerdictMismatch[] = [];
  const byKey = new Map(results.map((r) => [`${r.scenario} ${r.selection}`, r]));
  for (const p of file.ratios) {
    const r = byKey.get(`${p.scenario} ${p.selection}`);
    const b = byKey.get(`${p.scenario} ${p.baseline}`);
    if (r === undefined || b === undefined) continue;
    const total = (x: RunResult): number => (p.clock === 'latency' ? x.totals.latency : x.totals.cycles);
    const ratio = total(b) === 0 ? Number.POSITIVE_INFINITY : total(r) / total(b);
    const expected = `${p.clock} ratio ${p.value} ± ${p.tolerance}`;
    // A tiny slack so that a pin written with the bound itself holds despite binary rounding.
    if (Math.abs(ratio - p.value) <= p.tolerance + 1e-9) continue;
    const actual = `${p.clock} ratio ${ratio.toFixed(4)}`;
    out.push({
      kind: 'ratio',
      scenario: p.scenario,
      selection: p.selection,
      expected,
      actual,
      line: p.line,
      message: `${file.file}:${p.line}: ${p.scenario} ${p.selection} / ${p.baseline}: expected ${expected}, got ${ratio.toFixed(4)}`,
    });
  }
  return out;
}

/** A verdict file line for a run (for writing a new `expected` file from results). */
export function verdictLine(r: RunResult): string {
  return `${r.scenario} ${r.selection} ${verdictOf(r)}`;
}
