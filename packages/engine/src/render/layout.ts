// Choosing a layout that fits a width (issue 15 item 1). The full grid — one column per selection — is
// the easiest to read when it fits: first with the selections' names as column heads, then with letters
// and a legend. When even that is too wide, selections become rows: under each step the selections are
// grouped by what they did (`A D–H  fault:not-present`), so a step where all agree takes one line and a
// divergence shows as several; long cells wrap at spaces (a word wider than its column is cut with `…`),
// never in the middle of a cell's line. Numbers (counters, work, latency) stay a grid with letters, split
// into several tables when there are too many selections for one.
import type { Comparison } from '../compare/types.js';
import { LABELS, sections, type Glyphs, type RowFilter, type Section } from './cells.js';
import {
  displayWidth,
  fitWidths,
  naturalWidths,
  tableWidth,
  wordWidths,
  type Block,
  type Frame,
} from './grid.js';

/** Columns assumed when the output is not a terminal (and the mail and Markdown target): see README. */
export const DEFAULT_COLUMNS = 100;
/** Narrower than this, no table layout helps; the report is laid out for this width (and the terminal wraps). */
export const MIN_COLUMNS = 60;
/** A shrinking column keeps at least this many characters (one `fault:not-present`-sized word ± a bit). */
const MIN_CELL = 8;

/** One table: blocks drawn with the same column widths (the grid's sections share one frame). */
export interface LaidTable {
  readonly blocks: readonly Block[];
  readonly widths: readonly number[];
}

export interface Layout {
  /** `grid`: one column per selection; `rows`: selections as rows, grouped by their cells. */
  readonly kind: 'grid' | 'rows';
  /** `A = linux-x86`, … when columns are lettered. */
  readonly legend: readonly string[];
  /** The selections' column heads: their names (through `headOf`) or letters. */
  readonly heads: readonly string[];
  readonly tables: readonly LaidTable[];
}

export interface LayoutOptions {
  readonly glyphs: Glyphs;
  readonly frame: Frame;
  readonly columns: number;
  readonly only?: RowFilter;
  /** False where cells cannot wrap (Markdown): a grid is kept only when it fits as it is. */
  readonly wraps?: boolean;
  /** The width a grid takes as this format draws it, when that is not the table frame's (Markdown). */
  readonly gridWidth?: (blocks: readonly Block[]) => number;
  /** How a selection's name reads as a column head (Markdown puts it in a code span). */
  readonly headOf?: (selection: string) => string;
}

/** Column letters: A…Z, then A1…Z1, … */
export function letter(i: number): string {
  return String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : '');
}

function gridBlocks(secs: readonly Section[]): Block[] {
  return secs.map((s) => {
    const rows = s.rows.map((r) => r.map(breakable));
    return s.header === null ? { rows } : { header: s.header, rows };
  });
}

/** The selections of one group as letters, runs of three or more as `D–H`; `all` when every one. */
export function groupLabel(members: readonly number[], total: number, dash: string): string {
  if (total > 1 && members.length === total) return 'all';
  const parts: string[] = [];
  for (let i = 0; i < members.length;) {
    let j = i;
    while (j + 1 < members.length && members[j + 1] === members[j] + 1) j++;
    if (j - i >= 2) parts.push(`${letter(members[i])}${dash}${letter(members[j])}`);
    else for (let k = i; k <= j; k++) parts.push(letter(members[k]));
    i = j + 1;
  }
  return parts.join(' ');
}

/** Cells that join marks with bare commas get a space after each, so a narrow column can wrap there. */
function breakable(s: string): string {
  return s.replace(/,(?=\S)/g, ', ');
}

/**
 * A section with selections as rows: a row's labels, then one line per group of selections with identical
 * cells (the labels only on the first; cli-table3 cannot wrap a cell that spans rows).
 */
function groupedTable(s: Section, total: number, opts: LayoutOptions): LaidTable {
  const dash = opts.frame === 'plain' ? '-' : '–';
  const keep = [0, 1, 2, 3].filter((i) => s.rows.some((r) => r[i] !== ''));
  const rows: string[][] = [];
  for (const r of s.rows) {
    const groups = new Map<string, number[]>();
    r.slice(LABELS).forEach((v, k) => {
      const g = groups.get(v);
      if (g === undefined) groups.set(v, [k]);
      else g.push(k);
    });
    let first = true;
    for (const [value, members] of groups) {
      const labels = keep.map((i) => (first ? r[i] : ''));
      rows.push([...labels, groupLabel(members, total, dash), breakable(value)]);
      first = false;
    }
  }
  const header =
    s.header === null ? undefined : [...keep.map((i) => s.header![i]), 'selections', s.valueTitle];
  const blocks: Block[] = [header === undefined ? { rows } : { header, rows }];
  const n = keep.length + 2;
  const natural = naturalWidths(blocks, n);
  const mins = natural.map((w) => Math.min(w, MIN_CELL));
  return { blocks, widths: fitWidths(natural, mins, opts.columns, opts.frame) };
}

/** Numbers as a grid with letters, split into tables of as many selections as fit. */
function numberTables(s: Section, opts: LayoutOptions): LaidTable[] {
  const name = s.header?.[2] ?? '';
  const values = s.rows.map((r) => r.slice(LABELS));
  const total = values[0]?.length ?? 0;
  const width = (k: number): number =>
    Math.max(displayWidth(letter(k)), ...values.map((v) => displayWidth(v[k])));
  const nameWidth = Math.max(displayWidth(name), ...s.rows.map((r) => displayWidth(r[2])));
  const out: LaidTable[] = [];
  for (let from = 0; from < total;) {
    const widths = [nameWidth, width(from)];
    let to = from + 1;
    while (to < total && tableWidth([...widths, width(to)], opts.frame) <= opts.columns)
      widths.push(width(to++));
    const header = [name, ...Array.from({ length: to - from }, (_, i) => letter(from + i))];
    const rows = s.rows.map((r) => [r[2], ...r.slice(LABELS + from, LABELS + to)]);
    out.push({ blocks: [{ header, rows }], widths });
    from = to;
  }
  return out;
}

export function layOut(c: Comparison, opts: LayoutOptions): Layout {
  const only = opts.only ?? 'all';
  const names = c.columns.map((x) => (opts.headOf ?? ((n: string) => n))(x.selection));
  const letters = c.columns.map((_, i) => letter(i));
  const legend = c.columns.map((x, i) => `${letters[i]} = ${x.selection}`);
  // the grid: names, then letters; each as it is, then wrapped at spaces (no word cut)
  for (const [heads, leg] of [
    [names, []],
    [letters, legend],
  ] as const) {
    const blocks = gridBlocks(sections(c, heads, opts.glyphs, only));
    const n = LABELS + c.columns.length;
    const natural = naturalWidths(blocks, n);
    const widths =
      opts.wraps === false ? natural : fitWidths(natural, wordWidths(blocks, n), opts.columns, opts.frame);
    const width = opts.gridWidth?.(blocks) ?? tableWidth(widths, opts.frame);
    if (width <= opts.columns) return { kind: 'grid', legend: leg, heads, tables: [{ blocks, widths }] };
  }
  const tables: LaidTable[] = [];
  for (const s of sections(c, letters, opts.glyphs, only)) {
    if (s.grid === true) tables.push(...numberTables(s, opts));
    else tables.push(groupedTable(s, c.columns.length, opts));
  }
  return { kind: 'rows', legend, heads: letters, tables };
}

/** The width a report is laid out for: the terminal's, the default when unknown, never below the minimum. */
export function layoutColumns(columns: number | undefined): number {
  return Math.max(MIN_COLUMNS, columns ?? DEFAULT_COLUMNS);
}
