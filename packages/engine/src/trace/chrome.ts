// Chrome trace-event JSON (the "JSON Array/Object Format" of Chrome's Trace Event Format document, which
// Perfetto and chrome://tracing open): one process per run (scenario × selection), one thread per CPU, a
// thread for page-table stores (made by no CPU) and one for the scenario's steps. Flushes, TLBIs, DSBs and
// IPI handlers are complete events (`X`) on the latency timeline; fills, stores, key and root changes are
// instants (`i`); each CPU's stale entries are a counter track (`C`); every step is a span on the steps
// thread and a process-wide instant marker at its start. Time: 1 µs in the viewer is 1 INVLPG unit of the
// cost model (spec linux.md §7), so durations read as multiples of one local INVLPG.
import type { MmuEvent } from '@shootdown/mmu';
import type { RecordedTrace } from './types.js';

export interface ChromeTraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'i' | 'C' | 'M';
  readonly pid: number;
  readonly tid?: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly s?: 't' | 'p' | 'g';
  readonly cat?: string;
  readonly args?: Readonly<Record<string, string | number>>;
}

export interface ChromeTrace {
  readonly traceEvents: readonly ChromeTraceEvent[];
  readonly displayTimeUnit: 'ns' | 'ms';
  readonly otherData: Readonly<Record<string, string>>;
}

/** Round to the cost model's precision so the same run always prints the same numbers. */
const r = (x: number): number => Math.round(x * 1e6) / 1e6;

function hex(x: number | undefined): string | undefined {
  return x === undefined ? undefined : `0x${x.toString(16)}`;
}

function argsOf(e: MmuEvent): Record<string, string | number> {
  const a: Record<string, string | number> = {};
  const va = hex(e.va);
  if (va !== undefined) a['va'] = va;
  if (e.pfn !== undefined) a['pfn'] = e.pfn;
  if (e.detail !== undefined) a['detail'] = e.detail;
  return a;
}

const SPAN_NAMES: Partial<Record<MmuEvent['kind'], string>> = { flush: 'flush', tlbi: 'TLBI', dsb: 'DSB' };

/** One run's events, on process `pid`. */
function runEvents(t: RecordedTrace, pid: number): ChromeTraceEvent[] {
  const out: ChromeTraceEvent[] = [];
  const tablesTid = t.cpus;
  const stepsTid = t.cpus + 1;
  const name = `${t.scenario} · ${t.selection}`;
  out.push({ name: 'process_name', ph: 'M', pid, args: { name } });
  out.push({ name: 'process_sort_index', ph: 'M', pid, args: { sort_index: pid } });
  for (let c = 0; c < t.cpus; c++) {
    out.push({ name: 'thread_name', ph: 'M', pid, tid: c, args: { name: `CPU ${c}` } });
    out.push({ name: 'thread_sort_index', ph: 'M', pid, tid: c, args: { sort_index: c } });
  }
  out.push({ name: 'thread_name', ph: 'M', pid, tid: tablesTid, args: { name: 'page tables' } });
  out.push({ name: 'thread_name', ph: 'M', pid, tid: stepsTid, args: { name: 'steps' } });
  for (const s of t.steps) {
    const label = `step ${s.path}: ${s.label}`;
    out.push({ name: label, ph: 'i', s: 'p', pid, tid: stepsTid, ts: r(s.start), cat: 'step' });
    out.push({
      name: label,
      ph: 'X',
      pid,
      tid: stepsTid,
      ts: r(s.start),
      dur: r(s.end - s.start),
      cat: 'step',
      args: { cpu: s.cpu },
    });
  }
  // IPI handlers: an ipi-begin opens a span on its CPU that the matching ipi-end closes.
  const openIpi: { t: number; detail: string }[][] = Array.from({ length: t.cpus }, () => []);
  for (const e of t.events) {
    const tid = e.cpu < 0 ? tablesTid : e.cpu;
    if (e.kind === 'ipi-begin') {
      openIpi[e.cpu]!.push({ t: e.t, detail: e.detail ?? '' });
      continue;
    }
    if (e.kind === 'ipi-end') {
      const b = openIpi[e.cpu]!.pop();
      if (b !== undefined)
        out.push({
          name: 'IPI handler',
          ph: 'X',
          pid,
          tid,
          ts: r(b.t),
          dur: r(e.t - b.t),
          cat: 'ipi',
          args: { detail: b.detail },
        });
      continue;
    }
    const span = SPAN_NAMES[e.kind];
    if (span !== undefined && e.dur !== undefined) {
      const detail = e.detail ?? span;
      out.push({ name: detail, ph: 'X', pid, tid, ts: r(e.t), dur: r(e.dur), cat: e.kind, args: argsOf(e) });
    } else out.push({ name: e.kind, ph: 'i', s: 't', pid, tid, ts: r(e.t), cat: e.kind, args: argsOf(e) });
  }
  for (const s of t.stale) {
    out.push({
      name: `stale entries CPU ${s.cpu}`,
      ph: 'C',
      pid,
      ts: r(s.t),
      cat: 'stale',
      args: { tlb: s.tlb, walk: s.walk },
    });
  }
  return out;
}

/** The trace of several runs (one process each, in the order given). */
export function chromeTrace(runs: readonly RecordedTrace[]): ChromeTrace {
  const traceEvents: ChromeTraceEvent[] = [];
  const dropped: string[] = [];
  runs.forEach((t, i) => {
    // one push each: a spread of a populate's ~400,000 events is more arguments than a call takes
    for (const e of runEvents(t, i + 1)) traceEvents.push(e);
    if (t.dropped > 0) dropped.push(`${t.scenario} · ${t.selection}: ${t.dropped} events past the limit`);
  });
  const otherData: Record<string, string> = {
    generator: 'shootdown',
    timeUnit: '1 µs = 1 INVLPG unit of the cost model (latency timeline, each CPU on its own clock)',
  };
  if (dropped.length > 0) otherData['dropped'] = dropped.join('; ');
  return { traceEvents, displayTimeUnit: 'ms', otherData };
}

/** The trace as the file `--trace` writes (deterministic: same runs, same bytes). */
export function serializeTrace(runs: readonly RecordedTrace[]): string {
  return `${JSON.stringify(chromeTrace(runs))}\n`;
}
