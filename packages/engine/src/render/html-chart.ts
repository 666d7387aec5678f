// A labelled bar chart for the HTML report: one group of horizontal bars per row (a counter, a clock),
// one bar per selection in the selection's colour, a shared linear x axis from 0 with round ticks, the
// axis titled with its unit, each bar's value written at its end, and a legend naming the selections.
import { esc, legendEntry, num, tickStep } from './html-kit.js';

export interface BarChart {
  readonly title: string;
  /** The x axis title, with the unit (e.g. "latency and work, INVLPG units"). */
  readonly axis: string;
  readonly rows: readonly { readonly name: string; readonly values: readonly number[] }[];
  /** Series (selection) names and colours, in column order. */
  readonly series: readonly string[];
  readonly colours: readonly string[];
}

const LABEL = 190;
const PLOT = 440;
const BAR = 12;
const GAP = 2;

export function barChart(c: BarChart): string {
  const n = c.series.length;
  const group = n * (BAR + GAP) + 12;
  const top = 28;
  const plotH = c.rows.length * group;
  const max = Math.max(0, ...c.rows.flatMap((r) => r.values));
  const step = tickStep(max === 0 ? 1 : max);
  const xmax = Math.max(step, Math.ceil(max / step) * step);
  const x = (v: number): number => LABEL + (v / xmax) * PLOT;
  const axisY = top + plotH;
  const legendY = axisY + 48;
  const height = legendY + n * 18 + 4;
  const width = LABEL + PLOT + 90;
  const f = (v: number): string => num(Math.round(v * 10) / 10);
  const out: string[] = [
    `<svg class="chart" role="img" aria-label="${esc(c.title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<text x="0" y="16" font-weight="600">${esc(c.title)}</text>`,
  ];
  for (let t = 0; t <= xmax + step / 2; t += step) {
    out.push(
      `<line x1="${f(x(t))}" y1="${top}" x2="${f(x(t))}" y2="${axisY + 4}" stroke="#ddd"/>`,
      `<text x="${f(x(t))}" y="${axisY + 18}" text-anchor="middle">${num(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${LABEL}" y1="${axisY}" x2="${LABEL + PLOT}" y2="${axisY}" stroke="#444"/>`,
    `<line x1="${LABEL}" y1="${top}" x2="${LABEL}" y2="${axisY}" stroke="#444"/>`,
    `<text x="${LABEL + PLOT / 2}" y="${axisY + 36}" text-anchor="middle">${esc(c.axis)}</text>`,
  );
  c.rows.forEach((r, i) => {
    const y0 = top + i * group + 6;
    out.push(`<text x="${LABEL - 8}" y="${y0 + BAR}" text-anchor="end">${esc(r.name)}</text>`);
    r.values.forEach((v, k) => {
      const y = y0 + k * (BAR + GAP);
      const w = x(v) - LABEL;
      out.push(
        `<rect x="${LABEL}" y="${y}" width="${f(Math.max(w, v > 0 ? 1 : 0))}" height="${BAR}" fill="${c.colours[k]!}"><title>${esc(`${c.series[k]!}: ${r.name} ${num(v)}`)}</title></rect>`,
        `<text x="${f(LABEL + w + 4)}" y="${y + BAR - 2}">${num(v)}</text>`,
      );
    });
  });
  c.series.forEach((s, k) => out.push(legendEntry(LABEL, legendY + k * 18, c.colours[k]!, s)));
  out.push('</svg>');
  return out.join('\n');
}
