// The Chrome trace-event conversion (trace/chrome.ts) on hand-made recordings: IPI handlers become spans
// that enclose their flushes, stale counts become counter tracks, dropped events are said, and every
// document validates against schemas/trace.schema.json (whose own example must validate too).
import { loadSchemas } from '@shootdown/schemas';
import { describe, expect, it } from 'vitest';
import { chromeTrace, validateTrace, type RecordedTrace } from '../src/index.js';

const RECORDING: RecordedTrace = {
  scenario: 's',
  selection: 'linux-x86',
  cpus: 2,
  events: [
    { t: 1, cpu: -1, kind: 'store', va: 0x1000, pfn: 0, detail: 'L1 0' },
    { t: 2, cpu: 0, kind: 'flush', dur: 1, va: 0x1000, detail: 'invlpg' },
    { t: 3, cpu: 1, kind: 'ipi-begin', dur: 10, detail: 'from 0' },
    { t: 13, cpu: 1, kind: 'flush', dur: 1, va: 0x1000, detail: 'invlpg' },
    { t: 14, cpu: 1, kind: 'ipi-end' },
  ],
  steps: [{ path: '0', label: 'munmap buf', cpu: 0, start: 0, end: 18 }],
  stale: [
    { t: 1, cpu: 1, tlb: 1, walk: 0 },
    { t: 14, cpu: 1, tlb: 0, walk: 0 },
  ],
  dropped: 0,
};

describe('chromeTrace', () => {
  it('turns an ipi-begin/ipi-end pair into one span on the target enclosing its flush', () => {
    const ev = chromeTrace([RECORDING]).traceEvents;
    const ipi = ev.find((e) => e.cat === 'ipi')!;
    expect(ipi).toMatchObject({ ph: 'X', tid: 1, ts: 3, dur: 11, args: { detail: 'from 0' } });
    const flush = ev.find((e) => e.cat === 'flush' && e.tid === 1)!;
    expect(flush).toMatchObject({ ph: 'X', ts: 13, dur: 1, name: 'invlpg' });
    expect(flush.ts! >= ipi.ts! && flush.ts! + flush.dur! <= ipi.ts! + ipi.dur!).toBe(true);
  });

  it('puts stores made by no CPU on the page-table thread and the steps on their own', () => {
    const ev = chromeTrace([RECORDING]).traceEvents;
    const names = new Map(ev.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args!['name']]));
    expect([...names.values()]).toEqual(['CPU 0', 'CPU 1', 'page tables', 'steps']);
    expect(names.get(ev.find((e) => e.cat === 'store')!.tid)).toBe('page tables');
    const step = ev.filter((e) => e.cat === 'step');
    expect(step.map((e) => [e.ph, e.ts, e.dur])).toEqual([
      ['i', 0, undefined],
      ['X', 0, 18],
    ]);
  });

  it('draws each CPU’s stale entries as a counter track', () => {
    const c = chromeTrace([RECORDING]).traceEvents.filter((e) => e.ph === 'C');
    expect(c.map((e) => [e.name, e.ts, e.args])).toEqual([
      ['stale entries CPU 1', 1, { tlb: 1, walk: 0 }],
      ['stale entries CPU 1', 14, { tlb: 0, walk: 0 }],
    ]);
  });

  it('numbers runs as processes in order and says which dropped events', () => {
    const t = chromeTrace([RECORDING, { ...RECORDING, selection: 'freebsd-amd64', dropped: 7 }]);
    const procs = t.traceEvents.filter((e) => e.name === 'process_name');
    expect(procs.map((e) => [e.pid, e.args!['name']])).toEqual([
      [1, 's · linux-x86'],
      [2, 's · freebsd-amd64'],
    ]);
    expect(t.otherData['dropped']).toBe('s · freebsd-amd64: 7 events past the limit');
  });

  // `run populate-unmapped --trace` records ~400,000 events (2,048 pages flushed to 48 CPUs); one spread
  // of them into push() was more arguments than a call takes (exit 3, "Maximum call stack size exceeded")
  it('converts a recording of hundreds of thousands of events, every one of them', () => {
    const events = Array.from({ length: 400_000 }, (_, i) => ({
      t: i,
      cpu: i % 2,
      kind: 'flush' as const,
      dur: 1,
      detail: 'invlpg',
    }));
    const ev = chromeTrace([{ ...RECORDING, events, stale: [] }]).traceEvents;
    expect(ev.filter((e) => e.cat === 'flush')).toHaveLength(400_000);
  });

  it('validates against the trace schema, as does the schema’s own example', () => {
    expect(validateTrace(JSON.parse(JSON.stringify(chromeTrace([RECORDING]))))).toEqual([]);
    const schema = (loadSchemas() as Record<string, { examples: unknown[] }>)['trace.schema.json']!;
    for (const ex of schema.examples) expect(validateTrace(ex)).toEqual([]);
    expect(
      validateTrace({ traceEvents: [{ name: 'x', ph: 'X', pid: 1 }], displayTimeUnit: 'ms', otherData: {} }),
    ).not.toEqual([]);
  });
});
