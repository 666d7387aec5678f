// What every HTML drawing shares: escaping, number formatting, axis ticks and the colour palettes. The
// palettes are Paul Tol's ("Colour Schemes", SRON technical note, tol_colors.py): `bright` (7 colours,
// colour-blind safe) while there are at most seven series, else the `discrete rainbow` scheme's subset
// for 12 colours (indices 3, 6, 9, 10, 12, 14, 15, 17, 18, 21, 24, 26 of its 29), designed to stay
// distinct for colour-blind readers; past 12 the colours repeat, and every series is labelled anyway.

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Totals are multiples of small weights: one decimal shows them exactly enough and stays stable. */
export function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** A round tick step giving about five ticks up to `max`. */
export function tickStep(max: number): number {
  const raw = Math.max(max, 1e-9) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

const TOL_BRIGHT = ['#4477AA', '#EE6677', '#228833', '#CCBB44', '#66CCEE', '#AA3377', '#BBBBBB'];
const TOL_RAINBOW_12 = [
  '#D1BBD7', '#AE76A3', '#882E72', '#1965B0', '#5289C7', '#7BAFDE',
  '#4EB265', '#CAE0AB', '#F7F056', '#F4A736', '#E8601C', '#DC050C',
]; // prettier-ignore

/** `n` series colours: distinct, and colour-blind safe, for up to 12 series. */
export function paletteFor(n: number): readonly string[] {
  const base = n <= TOL_BRIGHT.length ? TOL_BRIGHT : TOL_RAINBOW_12;
  return Array.from({ length: n }, (_, i) => base[i % base.length]!);
}

/** One legend entry of an SVG drawing: a 12 px swatch with its text beside it, baseline at `y`. */
export function legendEntry(x: number, y: number, colour: string, text: string): string {
  return `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${colour}"/>\n<text x="${x + 18}" y="${y}">${esc(text)}</text>`;
}

/** Colours of the timeline's marks (Tol bright, by meaning; the legend names each). */
export const MARK = {
  stale: '#EE6677',
  flush: '#4477AA',
  ipi: '#CCBB44',
  tlbi: '#228833',
  step: '#BBBBBB',
} as const;

/** The stylesheet of the reports: wide tables scroll sideways with their first column kept in view. */
export const REPORT_CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222}
header{padding:1em 2em;border-bottom:1px solid #ddd}main{padding:0 2em 2em}
nav ul{list-style:none;padding:0;margin:.5em 0;display:flex;flex-wrap:wrap;gap:.4em 1.2em}
section{border-top:1px solid #eee;margin-top:1.5em}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:separate;border-spacing:0;margin:1em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;white-space:nowrap}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
th:first-child,td:first-child{position:sticky;left:0;background:#fff;z-index:1}
th:first-child{background:#f4f4f4}
tr.diverge td{background:#fff6d5}td.fail{color:#b00020;font-weight:600}td.finding{color:#b00020}
code{font-family:ui-monospace,monospace}svg text{font:12px system-ui,sans-serif}
.swatch{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin-right:.3em}`;
