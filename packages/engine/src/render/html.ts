// The HTML report (DESIGN §5, issue 15): one self-contained page for one or several scenarios, with a
// navigation list, per scenario the comparison tables (wide ones scroll sideways, first column kept in
// view), labelled bar charts of counters and of both clocks, and — when the runs were recorded — a per-CPU
// timeline per selection of stale windows, flushes and IPIs. No script, no external resource, no
// timestamp: the file opens anywhere, offline, and the same comparisons give the same bytes.
import type { Comparison } from '../compare/types.js';
import type { RecordedTrace } from '../trace/types.js';
import {
  divergenceLine,
  invariantCellText,
  keyLine,
  stepCellText,
  stepCostRows,
  stepCostText,
  UNICODE,
} from './cells.js';
import { barChart } from './html-chart.js';
import { esc, paletteFor, REPORT_CSS } from './html-kit.js';
import { timeline } from './html-timeline.js';
import type { Renderer, RenderOptions } from './types.js';

/** A table that scrolls sideways inside the page. */
function table(head: string, rows: readonly string[]): string {
  return [
    `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>`,
    ...rows,
    '</tbody></table></div>',
  ].join('\n');
}

function section(
  c: Comparison,
  index: number,
  traces: readonly (RecordedTrace | undefined)[] | undefined,
): string {
  const colours = paletteFor(c.columns.length);
  const heads = c.columns
    .map(
      (x, k) =>
        `<th><span class="swatch" style="background:${colours[k]!}"></span><code>${esc(x.selection)}</code></th>`,
    )
    .join('');
  const out: string[] = [
    `<section id="scenario-${index + 1}">`,
    `<h2><code>${esc(c.scenario)}</code></h2>`,
    '<ul class="legend">',
    ...c.columns.map(
      (x, k) =>
        `<li><span class="swatch" style="background:${colours[k]!}"></span><code>${esc(x.selection)}</code> (${x.tlb} TLB): <strong>${esc(c.summaries[k]!.verdict)}</strong></li>`,
    ),
    '</ul>',
    '<h3>Steps</h3>',
  ];
  const stepRows = c.steps.map((r) => {
    const first = r.path === c.firstDivergence;
    const cells = r.cells
      .map((x) => {
        const cls = x.held === false ? ' class="fail"' : x.findings.length > 0 ? ' class="finding"' : '';
        return `<td${cls}>${esc(stepCellText(x, UNICODE))}</td>`;
      })
      .join('');
    const label = first ? `${UNICODE.diverge} ${r.path}` : r.path;
    return `<tr${r.diverges ? ' class="diverge"' : ''}><td>${esc(label)}</td><td class="num">${r.cpu}</td><td>${esc(r.label)}</td><td>${esc(r.expected ?? '')}</td>${cells}</tr>`;
  });
  out.push(table(`<th>step</th><th>cpu</th><th>op</th><th>expect</th>${heads}`, stepRows));
  out.push(`<p>${esc(keyLine(UNICODE))}</p>`);
  const d = divergenceLine(c);
  if (d !== '') out.push(`<p><strong>${esc(d)}</strong></p>`);
  const costly = stepCostRows(c);
  if (costly.length > 0) {
    out.push(
      '<h3>Step costs</h3>',
      '<p>latency (what the initiating CPU waited) / work (summed over all CPUs), in INVLPG units</p>',
      table(
        `<th>step</th><th>cpu</th><th>op</th>${heads}`,
        costly.map((r) => {
          const cells = r.cells.map((x) => `<td class="num">${esc(stepCostText(x))}</td>`).join('');
          return `<tr><td>${esc(r.path)}</td><td class="num">${r.cpu}</td><td>${esc(r.label)}</td>${cells}</tr>`;
        }),
      ),
    );
  }
  out.push(
    '<h3>Costs</h3>',
    table(
      `<th>counter</th>${heads}`,
      [...c.counters, c.latency, c.cycles, c.expectations].map(
        (r) => `<tr><td>${esc(r.name)}</td>${r.values.map((v) => `<td class="num">${v}</td>`).join('')}</tr>`,
      ),
    ),
  );
  const series = c.columns.map((x) => x.selection);
  out.push(
    barChart({
      title: 'Latency and work',
      axis: 'INVLPG units (latency: the initiating CPUs’ wait; work: summed over all CPUs)',
      rows: [c.latency, c.cycles],
      series,
      colours,
    }),
  );
  if (c.counters.length > 0) {
    out.push(barChart({ title: 'Counters', axis: 'events (count)', rows: c.counters, series, colours }));
  }
  if (traces !== undefined && traces.some((t) => t !== undefined)) {
    out.push('<h3>Timelines</h3>');
    c.columns.forEach((x, k) => {
      const t = traces[k];
      if (t === undefined) return;
      out.push(
        `<h4><span class="swatch" style="background:${colours[k]!}"></span><code>${esc(x.selection)}</code></h4>`,
      );
      out.push(`<div class="scroll">${timeline(t)}</div>`);
    });
  }
  if (c.invariants.length > 0) {
    out.push(
      '<h3>Invariants</h3>',
      table(
        `<th>invariant</th>${heads}`,
        c.invariants.map((r) => {
          const cells = r.cells
            .map(
              (x) =>
                `<td${x.claimed === true ? ' class="finding"' : ''}>${esc(invariantCellText(x, UNICODE))}</td>`,
            )
            .join('');
          return `<tr><td>${esc(r.invariant)}</td>${cells}</tr>`;
        }),
      ),
    );
  }
  if (c.notes.length > 0) {
    out.push('<h3>Notes</h3>', '<ul>', ...c.notes.map((n) => `<li>${esc(n)}</li>`), '</ul>');
  }
  out.push('</section>');
  return out.join('\n');
}

/** The report for `comparisons`, each with its columns' trace recordings when there are any. */
export function renderHtmlReport(comparisons: readonly Comparison[], options: RenderOptions = {}): string {
  const title =
    comparisons.length === 1
      ? `${comparisons[0]!.scenario} — shootdown`
      : `${comparisons.length} scenarios — shootdown`;
  const nav = comparisons.map(
    (c, i) =>
      `<li><a href="#scenario-${i + 1}"><code>${esc(c.scenario)}</code></a> — ${esc(c.summaries.map((s) => s.verdict).join(' / '))}</li>`,
  );
  return (
    [
      '<!DOCTYPE html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${esc(title)}</title>`,
      `<style>${REPORT_CSS}</style>`,
      '</head>',
      '<body>',
      '<header>',
      `<h1>${esc(title)}</h1>`,
      '<nav aria-label="scenarios"><ul>',
      ...nav,
      '</ul></nav>',
      '</header>',
      '<main>',
      ...comparisons.map((c, i) => section(c, i, options.traces?.[i])),
      '</main>',
      '</body>',
      '</html>',
    ].join('\n') + '\n'
  );
}

export const htmlRenderer: Renderer = {
  format: 'html',
  description: 'a self-contained HTML report with charts and per-CPU timelines',
  extension: 'html',
  render: (c, options) => renderHtmlReport([c], options),
  renderMany: (cs, options) => renderHtmlReport(cs, options),
};
