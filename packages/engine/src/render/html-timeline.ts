// The per-CPU timeline of one run for the HTML report, drawn from its trace recording (trace/): a lane per
// CPU on the latency timeline (each CPU on its own clock, spec linux.md §7.4). A lane is shaded while the
// CPU may still hold a stale TLB or walk-cache entry — from the page-table change to the flush that ends
// it — and shows the flushes, TLBIs/DSBs and IPI handlers it ran as bars; the steps mark the time axis.
import type { RecordedTrace } from '../trace/types.js';
import { esc, legendEntry, MARK, num, tickStep } from './html-kit.js';

/** Marks drawn per run at most (a 1 GiB populate has millions of events; the first ones are drawn). */
export const TIMELINE_MARK_LIMIT = 4000;

const LABEL = 70;
const PLOT = 860;
const LANE = 24;

interface Mark {
  readonly cpu: number;
  readonly start: number;
  readonly end: number;
  readonly kind: 'stale' | 'flush' | 'ipi' | 'tlbi';
  readonly title: string;
}

/** Stale windows: per CPU, the spans where its count of stale entries was above zero. */
function staleWindows(t: RecordedTrace, end: number): Mark[] {
  const out: Mark[] = [];
  const open = new Map<number, { t: number; tlb: number; walk: number }>();
  for (const s of t.stale) {
    const o = open.get(s.cpu);
    if (o !== undefined) {
      if (s.t > o.t) {
        const title = `stale on CPU ${s.cpu}: ${o.tlb} TLB, ${o.walk} walk-cache`;
        out.push({ cpu: s.cpu, start: o.t, end: s.t, kind: 'stale', title });
      }
      open.delete(s.cpu);
    }
    if (s.tlb + s.walk > 0) open.set(s.cpu, { t: s.t, tlb: s.tlb, walk: s.walk });
  }
  for (const [cpu, o] of open) {
    const title = `stale on CPU ${cpu} to the end: ${o.tlb} TLB, ${o.walk} walk-cache`;
    out.push({ cpu, start: o.t, end: Math.max(end, o.t), kind: 'stale', title });
  }
  return out;
}

/** Flushes, TLBIs, DSBs and IPI handlers, as spans. */
function spans(t: RecordedTrace): Mark[] {
  const out: Mark[] = [];
  const ipi: { t: number; from: string }[][] = Array.from({ length: t.cpus }, () => []);
  for (const e of t.events) {
    if (e.cpu < 0) continue;
    if (e.kind === 'ipi-begin') ipi[e.cpu]!.push({ t: e.t, from: e.detail ?? '' });
    else if (e.kind === 'ipi-end') {
      const b = ipi[e.cpu]!.pop();
      if (b !== undefined)
        out.push({
          cpu: e.cpu,
          start: b.t,
          end: e.t,
          kind: 'ipi',
          title: `IPI handler on CPU ${e.cpu} (${b.from})`,
        });
    } else if (e.dur !== undefined && (e.kind === 'flush' || e.kind === 'tlbi' || e.kind === 'dsb')) {
      const what =
        e.kind === 'flush' ? (e.detail ?? 'flush') : e.kind === 'dsb' ? 'DSB' : `TLBI ${e.detail ?? ''}`;
      const where = e.va === undefined ? '' : ` 0x${e.va.toString(16)}`;
      out.push({
        cpu: e.cpu,
        start: e.t,
        end: e.t + e.dur,
        kind: e.kind === 'flush' ? 'flush' : 'tlbi',
        title: `${what}${where} on CPU ${e.cpu}`,
      });
    }
  }
  return out;
}

/** Band of a lane each kind of mark takes (stale shades the whole lane behind the others). */
const BAND: Record<Mark['kind'], readonly [number, number]> = {
  stale: [1, LANE - 2],
  ipi: [4, LANE - 8],
  flush: [8, LANE - 16],
  tlbi: [8, LANE - 16],
};

const LAYER: Record<Mark['kind'], number> = { stale: 0, ipi: 1, flush: 2, tlbi: 2 };

/**
 * Where the run ends on the latency timeline: the latest end of a step or an event, 0 for none. A loop,
 * not Math.max over a spread: a populate's hundreds of thousands of events are more arguments than a
 * call takes (RangeError: Maximum call stack size exceeded).
 */
function endOf(t: RecordedTrace): number {
  let last = 0;
  for (const s of t.steps) if (s.end > last) last = s.end;
  for (const e of t.events) {
    const end = e.t + (e.dur ?? 0);
    if (end > last) last = end;
  }
  return last;
}

export function timeline(t: RecordedTrace): string {
  const last = endOf(t);
  const marks = [...staleWindows(t, last), ...spans(t)];
  // Drawn back to front: stale shading, then IPI handlers, then the flushes they ran on top.
  const shown = marks.slice(0, TIMELINE_MARK_LIMIT).sort((a, b) => LAYER[a.kind] - LAYER[b.kind]);
  const step = tickStep(last === 0 ? 1 : last);
  const xmax = Math.max(step, Math.ceil(last / step) * step);
  const x = (v: number): number => LABEL + (v / xmax) * PLOT;
  const f = (v: number): string => num(Math.round(v * 10) / 10);
  const top = 30;
  const axisY = top + t.cpus * LANE;
  const legendY = axisY + 50;
  const width = LABEL + PLOT + 20;
  const height = legendY + 16;
  const label = `per-CPU timeline of ${t.scenario} under ${t.selection}`;
  const out: string[] = [
    `<svg class="timeline" role="img" aria-label="${esc(label)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
  ];
  for (let c = 0; c < t.cpus; c++) {
    const y = top + c * LANE;
    out.push(
      `<rect x="${LABEL}" y="${y}" width="${PLOT}" height="${LANE - 1}" fill="${c % 2 === 0 ? '#fafafa' : '#f2f2f2'}"/>`,
      `<text x="${LABEL - 8}" y="${y + 16}" text-anchor="end">CPU ${c}</text>`,
    );
  }
  let lastLabel = -Infinity;
  for (const s of t.steps) {
    if (s.path.includes('.') || s.path.includes('#')) continue; // nested steps: their parent marks the axis
    const sx = x(s.start);
    out.push(
      `<line x1="${f(sx)}" y1="${top - 6}" x2="${f(sx)}" y2="${axisY}" stroke="${MARK.step}" stroke-dasharray="2,2"><title>${esc(`step ${s.path}: ${s.label}`)}</title></line>`,
    );
    if (sx - lastLabel >= 28) {
      out.push(`<text x="${f(sx + 2)}" y="${top - 10}">${esc(s.path)}</text>`);
      lastLabel = sx;
    }
  }
  for (const m of shown) {
    const [dy, h] = BAND[m.kind];
    const x0 = x(m.start);
    const w = Math.max(1, x(m.end) - x0);
    const opacity = m.kind === 'stale' ? ' fill-opacity="0.45"' : '';
    out.push(
      `<rect class="${m.kind}" x="${f(x0)}" y="${top + m.cpu * LANE + dy}" width="${f(w)}" height="${h}" fill="${MARK[m.kind]}"${opacity}><title>${esc(`${m.title}, ${num(m.start)}–${num(m.end)}`)}</title></rect>`,
    );
  }
  for (let v = 0; v <= xmax + step / 2; v += step) {
    out.push(
      `<line x1="${f(x(v))}" y1="${axisY}" x2="${f(x(v))}" y2="${axisY + 4}" stroke="#444"/>`,
      `<text x="${f(x(v))}" y="${axisY + 17}" text-anchor="middle">${num(v)}</text>`,
    );
  }
  out.push(
    `<line x1="${LABEL}" y1="${axisY}" x2="${LABEL + PLOT}" y2="${axisY}" stroke="#444"/>`,
    `<text x="${LABEL + PLOT / 2}" y="${axisY + 34}" text-anchor="middle">time (INVLPG units; each CPU on its own clock, steps dashed)</text>`,
  );
  const legend: [string, string][] = [
    [MARK.stale, 'stale entry held'],
    [MARK.flush, 'flush (INVLPG, INVPCID, CR4.PGE, INVLPGB)'],
    [MARK.tlbi, 'TLBI / DSB'],
    [MARK.ipi, 'IPI handler'],
  ];
  let lx = LABEL;
  for (const [colour, text] of legend) {
    out.push(legendEntry(lx, legendY, colour, text));
    lx += 28 + text.length * 6.5;
  }
  out.push('</svg>');
  const notes: string[] = [];
  if (marks.length > shown.length) notes.push(`the first ${shown.length} of ${marks.length} marks are drawn`);
  if (t.dropped > 0) notes.push(`${t.dropped} events past the recorder's limit are not in the recording`);
  return out.join('\n') + (notes.length > 0 ? `\n<p class="note">${esc(notes.join('; '))}</p>` : '');
}
