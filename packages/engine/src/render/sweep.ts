// Drawing a sweep (issue 12 item 5): per value of the swept param and per selection, latency and work
// totals and their ratio to the first selection — as an aligned table (table, text), a Markdown table,
// JSON (the SweepResult as is), or a self-contained HTML page with line charts of both clocks in inline
// SVG. No timestamp, no locale: the same sweep gives the same bytes.
import type { SweepResult } from '../compare/sweep.js';
import { esc, legendEntry, num, paletteFor, tickStep } from './html-kit.js';

/** Formats a sweep can be drawn in. */
export const SWEEP_FORMATS = ['table', 'text', 'markdown', 'json', 'html'] as const;

function ratio(v: number, base: number): string {
  return base === 0 ? '-' : (v / base).toFixed(3);
}

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const HEAD = ['value', 'selection', 'latency', 'work', 'latency ×', 'work ×'];

/** One row per value and selection; ratios are to the first selection at the same value. */
function rows(s: SweepResult): string[][] {
  const out: string[][] = [];
  for (const p of s.points) {
    const base = p.cells[0];
    for (const c of p.cells) {
      out.push([
        `${s.param}=${valueText(p.value)}`,
        c.selection,
        num(c.latency),
        num(c.work),
        ratio(c.latency, base.latency),
        ratio(c.work, base.work),
      ]);
    }
  }
  return out;
}

function title(s: SweepResult): string {
  return `sweep of ${s.scenario} over ${s.param}: latency and work totals (${s.unit} units); × = ratio to ${s.selections[0]}`;
}

function aligned(s: SweepResult, sep: string): string {
  const body = rows(s);
  const head = HEAD.map((h) => (sep === '  ' ? h.replace('×', 'x') : h));
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join(sep)
      .trimEnd();
  const t = sep === '  ' ? title(s).replace('×', 'x') : title(s);
  return [t, '', line(head), ...body.map(line)].join('\n') + '\n';
}

function markdown(s: SweepResult): string {
  const out = [
    `### ${title(s)}`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of rows(s)) out.push(`| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  return out.join('\n') + '\n';
}

/**
 * A line per selection of one clock against the swept values. The values sit at even steps on the x axis
 * (a sweep is usually geometric: 2, 4, …, 256), the y axis is linear from 0.
 */
function lineChart(s: SweepResult, clock: 'latency' | 'work'): string {
  const W = 640;
  const H = 300;
  const left = 90;
  const right = 20;
  const top = 30;
  const bottom = 50;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const n = s.points.length;
  const max = Math.max(1, ...s.points.flatMap((p) => p.cells.map((c) => c[clock])));
  const step = tickStep(max);
  const ymax = Math.ceil(max / step) * step;
  const x = (i: number): number => left + (n === 1 ? pw / 2 : (i * pw) / (n - 1));
  const y = (v: number): number => top + ph - (v / ymax) * ph;
  const f = (v: number): string => num(Math.round(v * 10) / 10);
  const label = `${clock} (${s.unit} units) of ${s.scenario} against ${s.param}`;
  const parts = [
    `<svg class="chart" role="img" aria-label="${esc(label)}" width="${W}" height="${H + 20 * s.selections.length}" viewBox="0 0 ${W} ${H + 20 * s.selections.length}">`,
    `<text x="${left}" y="18" font-weight="600">${esc(clock)} total (${esc(s.unit)} units)</text>`,
    `<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#444"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#444"/>`,
  ];
  for (let t = 0; t <= ymax + step / 2; t += step) {
    parts.push(
      `<line x1="${left - 4}" y1="${f(y(t))}" x2="${left + pw}" y2="${f(y(t))}" stroke="#ddd"/>`,
      `<text x="${left - 8}" y="${f(y(t) + 4)}" text-anchor="end">${num(t)}</text>`,
    );
  }
  s.points.forEach((p, i) => {
    parts.push(
      `<text x="${f(x(i))}" y="${top + ph + 18}" text-anchor="middle">${esc(valueText(p.value))}</text>`,
    );
  });
  parts.push(`<text x="${left + pw / 2}" y="${top + ph + 38}" text-anchor="middle">${esc(s.param)}</text>`);
  s.selections.forEach((sel, j) => {
    const colour = paletteFor(s.selections.length)[j]!;
    const pts = s.points.map((p, i) => `${f(x(i))},${f(y(p.cells[j][clock]))}`);
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const pt of pts) {
      const [cx, cy] = pt.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>`);
    }
    parts.push(legendEntry(left, H + 20 * j + 5, colour, sel));
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.chart text{font:12px system-ui,sans-serif}`;

function html(s: SweepResult): string {
  const body = rows(s)
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i < 2 ? `<td>${esc(c)}</td>` : `<td class="num">${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return (
    [
      '<!DOCTYPE html>',
      '<html lang="en"><head><meta charset="utf-8">',
      `<title>${esc(`sweep: ${s.scenario} over ${s.param}`)}</title>`,
      `<style>${CSS}</style></head><body>`,
      `<h1>${esc(`${s.scenario}: sweep over ${s.param}`)}</h1>`,
      `<p>${esc(title(s))}</p>`,
      lineChart(s, 'latency'),
      lineChart(s, 'work'),
      `<table><thead><tr>${HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>`,
      body,
      '</tbody></table>',
      '</body></html>',
    ].join('\n') + '\n'
  );
}

/** The sweep in one of SWEEP_FORMATS; undefined for a format a sweep has no drawing for. */
export function renderSweep(s: SweepResult, format: string): string | undefined {
  switch (format) {
    case 'table':
      return aligned(s, ' │ ');
    case 'text':
      return aligned(s, '  ');
    case 'markdown':
      return markdown(s);
    case 'json':
      return `${JSON.stringify(s, null, 2)}\n`;
    case 'html':
      return html(s);
    default:
      return undefined;
  }
}
