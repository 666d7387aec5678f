// `--trace FILE` end to end (issue 15 item 2; DESIGN §5): the file is Chrome trace-event JSON that the
// schema accepts, one process per run and one track per CPU, and it shows the window the simulator exists
// to show — a CPU's stale TLB entry from the PTE clear of a munmap until the shootdown's flush on that CPU
// (flush_tlb_mm_range → flush_tlb_func on each CPU in mm_cpumask, arch/x86/mm/tlb.c).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateTrace } from '@shootdown/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';
import { fixturesDir } from './helpers/fixtures.js';

const MUNMAP = join(fixturesDir, 'scenarios', 'munmap-two-cpus.yaml');

interface Ev {
  name: string;
  ph: string;
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, string | number>;
}

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

function read(path: string): Ev[] {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: Ev[] };
  expect(validateTrace(doc)).toEqual([]);
  return doc.traceEvents;
}

/** A thread's id from its name metadata. */
function tidOf(events: Ev[], pid: number, name: string): number {
  const m = events.find(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid && e.args?.['name'] === name,
  );
  expect(m, `thread ${name}`).toBeDefined();
  return m!.tid!;
}

describe.concurrent('--trace', () => {
  it('shows CPU 1’s stale entry from the PTE clear to the flush on CPU 1', async () => {
    const file = join(home.dir, 'munmap.trace.json');
    const r = await runCli(['run', MUNMAP, '--policy', 'linux-x86', '--trace', file], home);
    expect(r.code, describeRun(r)).toBe(0);
    const ev = read(file);
    const cpu1 = tidOf(ev, 1, 'CPU 1');
    const tables = tidOf(ev, 1, 'page tables');
    const munmap = ev.find((e) => e.ph === 'X' && e.cat === 'step' && e.name.includes('munmap'))!;
    const series = ev.filter((e) => e.ph === 'C' && e.name === 'stale entries CPU 1');
    const opened = series.find((e) => Number(e.args!['tlb']) > 0)!;
    const closed = series.find((e) => e.ts! > opened.ts! && Number(e.args!['tlb']) === 0)!;
    expect(opened, 'CPU 1 holds a stale TLB entry at some point').toBeDefined();
    expect(closed, 'and loses it later').toBeDefined();
    // It opens when the munmap clears the PTE (a store by no CPU, on the page-table track)…
    const clear = ev.find((e) => e.tid === tables && e.cat === 'store' && e.ts === opened.ts);
    expect(clear?.args?.['detail']).toMatch(/^L1 0$/);
    // …and closes exactly when a flush on CPU 1 ends, inside an IPI round that reached CPU 1.
    const flush = ev.find(
      (e) => e.ph === 'X' && e.tid === cpu1 && e.cat === 'flush' && e.ts! + e.dur! === closed.ts,
    );
    expect(flush, 'a flush on CPU 1 ends the window').toBeDefined();
    expect(ev.some((e) => e.ph === 'X' && e.tid === cpu1 && e.cat === 'ipi' && e.ts! <= flush!.ts!)).toBe(
      true,
    );
    // Both ends lie inside the munmap step.
    expect(opened.ts!).toBeGreaterThanOrEqual(munmap.ts!);
    expect(closed.ts!).toBeLessThanOrEqual(munmap.ts! + munmap.dur!);
  });

  it('gives each run of a comparison its own process, and the same bytes every time', async () => {
    const a = join(home.dir, 'a.trace.json');
    const b = join(home.dir, 'b.trace.json');
    const args = ['compare', MUNMAP, '--policy', 'linux-x86', '--policy', 'freebsd-amd64'];
    const [ra, rb] = await Promise.all([
      runCli([...args, '--trace', a], home),
      runCli([...args, '--trace', b, '--jobs', '1'], home),
    ]);
    expect(ra.code, describeRun(ra)).toBe(0);
    expect(rb.code, describeRun(rb)).toBe(0);
    const ev = read(a);
    const names = ev.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args!['name']);
    expect(names).toEqual(['munmap-two-cpus · linux-x86', 'munmap-two-cpus · freebsd-amd64']);
    for (const pid of [1, 2]) expect(tidOf(ev, pid, 'CPU 1')).toBe(1);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
  });

  it('refuses stdout, a directory and --sweep with exit 2, before running anything', async () => {
    const dash = await runCli(['run', MUNMAP, '--policy', 'linux-x86', '--trace', '-'], home);
    expect(dash.code, describeRun(dash)).toBe(2);
    expect(dash.stderr).toMatch(/--trace writes a file/);
    const dir = await runCli(['run', MUNMAP, '--policy', 'linux-x86', '--trace', home.dir], home);
    expect(dir.code, describeRun(dir)).toBe(2);
    expect(dir.stderr).toMatch(/--trace .*: is a directory/);
    const sweep = join(home.dir, 'sweep.trace.json');
    const sw = await runCli(
      ['compare', MUNMAP, '--policy', 'linux-x86', '--sweep', 'cpus=2,4', '--trace', sweep],
      home,
    );
    expect(sw.code, describeRun(sw)).toBe(2);
    expect(existsSync(sweep)).toBe(false);
  });
});
