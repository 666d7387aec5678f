// How a comparison's cells read as text, shared by the table, text and Markdown renderers so the three
// always say the same thing.
import type { Comparison, InvariantCell, StepCell, StepRow } from '../compare/types.js';

export interface Glyphs {
  /** Marks an expectation that did not hold. */
  readonly failed: string;
  /** Marks the first step where outcomes diverge. */
  readonly diverge: string;
  readonly none: string;
  readonly times: string;
}

export const UNICODE: Glyphs = { failed: '✗', diverge: '▶', none: '—', times: '×' };
export const ASCII: Glyphs = { failed: '(FAIL)', diverge: '>', none: '-', times: 'x' };

/**
 * `ok`, `ok ×4`, `ok,ok,fault:key`: per-page outcomes collapse when they agree. A key fault names its key
 * and a fault signal its si_code and fate: `fault:key (key 1, SEGV_PKUERR handled)`.
 */
export function outcomeText(c: StepCell, g: Glyphs): string {
  if (c.outcome === null) return g.none;
  return pagesText(c, g) + faultText(c);
}

function pagesText(c: StepCell, g: Glyphs): string {
  if (c.outcome === null) return g.none;
  if (c.pages === undefined || c.pages.length === 0) return c.outcome;
  const p = c.pages;
  if (p.every((x) => x === p[0])) return `${p[0]} ${g.times}${p.length}`;
  return p.join(',');
}

function faultText(c: StepCell): string {
  const parts: string[] = [];
  if (c.key !== undefined) parts.push(`key ${c.key}`);
  if (c.signal !== undefined) parts.push(`${c.signal.code} ${c.signal.handled ? 'handled' : 'killed'}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

export function stepCellText(c: StepCell, g: Glyphs): string {
  let s = outcomeText(c, g);
  if (c.held === false) s += ` ${g.failed}`;
  if (c.ignored !== undefined) s += ` [ignored: ${c.ignored.join(',')}]`;
  // `!id` a finding (the policy claims the invariant), `~id` a note (it does not)
  const marks = c.violations.map((id) => (c.findings.includes(id) ? `!${id}` : `~${id}`));
  if (marks.length > 0) s += ` ${marks.join(',')}`;
  return s;
}

/** Steps that cost anything under some column (a leaf step's cost; containers repeat their children's). */
export function stepCostRows(c: Comparison): StepRow[] {
  return c.steps.filter((r) => r.cells.some((x) => x.cycles !== 0 || x.latency !== 0));
}

/** `27.6 / 48`: the step's latency on its initiating CPU, then its work over all CPUs (spec linux.md §7.4). */
export function stepCostText(c: StepCell): string {
  return `${c.latency} / ${c.cycles}`;
}

export function stepLabel(row: StepRow, c: Comparison, g: Glyphs): string {
  return row.path === c.firstDivergence ? `${g.diverge} ${row.path}` : row.path;
}

export function invariantCellText(c: InvariantCell, g: Glyphs): string {
  if (c.count === 0) return g.none;
  const kind = c.claimed === true ? 'finding' : 'note';
  return `${c.count} ${kind}${c.count > 1 ? 's' : ''} (step ${c.firstStep ?? '?'})`;
}

/** Column headers: selections, or letters with a legend when a name would blow the width up. */
export function columnHeads(c: Comparison, maxWidth: number): { heads: string[]; legend: string[] } {
  const names = c.columns.map((x) => x.selection);
  if (names.every((n) => n.length <= maxWidth)) return { heads: names, legend: [] };
  const heads = names.map(
    (_, i) => String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ''),
  );
  return { heads, legend: names.map((n, i) => `${heads[i]} = ${n}`) };
}

/** The whole comparison as rows of plain strings, sections separated; renderers only draw them. */
export interface Section {
  readonly title: string;
  /** Null for a section that is one labelled row (the verdicts). */
  readonly header: readonly string[] | null;
  readonly rows: readonly (readonly string[])[];
  /** What the selections' cells of a row hold, when selections are drawn as rows. */
  readonly valueTitle: string;
  /** Numbers compared across selections: kept as a grid (selections as columns) in every layout. */
  readonly grid?: boolean;
}

/** Columns 0–3 of a section's rows are labels (step, cpu, op, expect); the selections' cells follow. */
export const LABELS = 4;

/** Which rows a report shows: all, or only those where the selections' cells differ (`--only diverging`). */
export type RowFilter = 'all' | 'diverging';

function differs(r: readonly string[]): boolean {
  return r.slice(LABELS).some((x) => x !== r[LABELS]);
}

export function sections(
  c: Comparison,
  heads: readonly string[],
  g: Glyphs,
  only: RowFilter = 'all',
): Section[] {
  const all = allSections(c, heads, g);
  if (only === 'all') return all;
  // the verdicts stay: they are what a reader of a filtered report still needs
  return all
    .map((s) => (s.title === 'verdict' ? s : { ...s, rows: s.rows.filter(differs) }))
    .filter((s) => s.rows.length > 0);
}

function allSections(c: Comparison, heads: readonly string[], g: Glyphs): Section[] {
  const out: Section[] = [];
  out.push({
    title: 'steps',
    valueTitle: 'outcome',
    header: ['step', 'cpu', 'op', 'expect', ...heads],
    rows: c.steps.map((r) => [
      stepLabel(r, c, g),
      String(r.cpu),
      r.label,
      r.expected ?? '',
      ...r.cells.map((x) => stepCellText(x, g)),
    ]),
  });
  const costly = stepCostRows(c);
  if (costly.length > 0) {
    out.push({
      title: 'step costs',
      valueTitle: 'latency / work',
      header: ['step', 'cpu', 'op', 'latency / work', ...heads],
      rows: costly.map((r) => [r.path, String(r.cpu), r.label, '', ...r.cells.map(stepCostText)]),
    });
  }
  const numbers = [...c.counters, c.latency, c.cycles, c.expectations];
  out.push({
    title: 'costs',
    valueTitle: 'value',
    grid: true,
    header: ['', '', 'counter', '', ...heads],
    rows: numbers.map((r) => ['', '', r.name, '', ...r.values.map(String)]),
  });
  if (c.invariants.length > 0) {
    out.push({
      title: 'invariants',
      valueTitle: 'broke',
      header: ['', '', 'invariant', '', ...heads],
      rows: c.invariants.map((r) => [
        '',
        '',
        r.invariant,
        '',
        ...r.cells.map((x) => invariantCellText(x, g)),
      ]),
    });
  }
  out.push({
    title: 'verdict',
    valueTitle: 'verdict',
    header: null,
    rows: [['', '', 'verdict', '', ...c.summaries.map((s) => s.verdict)]],
  });
  return out;
}

/** What the marks in cells mean, one item per mark. */
export function keyItems(g: Glyphs): string[] {
  return [
    `${g.failed} expectation failed`,
    '!id finding (a claimed invariant broke)',
    '~id note (an unclaimed one)',
    `${g.diverge} first divergence`,
  ];
}

/** What the marks in cells mean, printed under every table. */
export function keyLine(g: Glyphs): string {
  return `key: ${keyItems(g).join(', ')}`;
}

export function divergenceLine(c: Comparison): string {
  if (c.columns.length < 2) return '';
  if (c.firstDivergence === null) return 'outcomes agree at every step';
  const row = c.steps.find((r) => r.path === c.firstDivergence);
  return `first divergence: step ${c.firstDivergence}${row === undefined ? '' : ` (${row.label}, line ${row.line})`}`;
}
