import { describe, expect, it } from 'vitest';
import { Access, Mode, Pte, createMachine, type MmuEvent } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

// Round weights so every time below is exact arithmetic from spec linux.md §7.4's clocks.
const COSTS = { invlpg: 1, full: 30, ipi: 10, ipi_send: 1, ipi_wire: 4, kflush: 5, dsb: 5, tlbi_leaf: 2 };

describe('trace event sink (DESIGN §2 "Costs and events")', () => {
  it('receives per-CPU events for stores, fills, flushes, IPI spans and key changes', () => {
    const { m, table, data } = rig({ cpus: 2, tlb: 'precise' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const events: MmuEvent[] = [];
    m.setEventSink((e) => events.push(e));
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER);
    m.setRoot(1, mm);
    m.access(1, USER_VA, Access.READ, Mode.USER);
    m.ipi(0, 'others', (c) => m.invlpg(c, USER_VA));
    m.setPkru(1, 4);
    m.setEventSink(null);
    m.invlpg(0, USER_VA);
    expect(events.map((e) => `${e.kind}@${e.cpu}`)).toEqual([
      'store@-1',
      'root@1',
      'fill@1',
      'ipi-begin@1',
      'flush@1',
      'ipi-end@1',
      'key@1',
    ]);
  });

  it('places IPI handlers on the targets’ own clocks, in parallel, and flushes as spans', () => {
    const m = createMachine({ arch: 'x86_64', cpus: 3, memory: '16MiB' }, COSTS);
    m.beginStep(0);
    const events: MmuEvent[] = [];
    m.setEventSink((e) => events.push(e));
    m.count('kflush');
    m.ipi(0, 'all', (c) => m.invlpg(c, 0x1000));
    m.setEventSink(null);
    const on = (cpu: number, kind: MmuEvent['kind']) => events.find((e) => e.cpu === cpu && e.kind === kind)!;
    // The sender: kflush (5), then sends to 1 (t 5..6) and 2 (t 6..7).
    // Target 1's interrupt arrives at 6, its entry (10) ends at 16, its INVLPG (1) spans 16..17.
    expect(on(1, 'ipi-begin')).toMatchObject({ t: 6, dur: 10 });
    expect(on(1, 'flush')).toMatchObject({ t: 16, dur: 1, detail: 'invlpg' });
    expect(on(1, 'ipi-end').t).toBe(17);
    // Target 2 runs at the same time, one send later — not after target 1's handler.
    expect(on(2, 'ipi-begin')).toMatchObject({ t: 7, dur: 10 });
    expect(on(2, 'ipi-end').t).toBe(18);
    // The sender's own share: no interrupt entry; its time is set aside from the sends (Counters.local), so
    // it starts where the round starts.
    expect(on(0, 'ipi-begin').t).toBe(5);
    expect(on(0, 'ipi-begin').dur).toBeUndefined();
    expect(on(0, 'flush')).toMatchObject({ t: 5, dur: 1 });
    // And the latency clock agrees with the trace: the slowest target's return plus the wire.
    expect(m.latency).toBe(18 + 4);
  });

  it('a TLBI and its DSB are spans on the issuing CPU, one after the other', () => {
    const m = createMachine({ arch: 'arm64', cpus: 2, memory: '16MiB' }, COSTS);
    m.beginStep(1);
    const events: MmuEvent[] = [];
    m.setEventSink((e) => events.push(e));
    m.tlbi(1, 'VALE1', { va: 0x1000, asid: 1 });
    m.dsb(1);
    m.setEventSink(null);
    expect(events.map((e) => [e.kind, e.cpu, e.t, e.dur])).toEqual([
      ['tlbi', 1, 0, 2],
      ['dsb', 1, 2, 5],
    ]);
  });

  it('never changes a result: the same operations with and without a sink give the same clocks', () => {
    const run = (traced: boolean) => {
      const m = createMachine({ arch: 'x86_64', cpus: 4, memory: '16MiB' }, COSTS);
      if (traced) m.setEventSink(() => {});
      m.beginStep(0);
      m.ipi(0, [1, 2], (c) => m.invlpg(c, 0x1000));
      m.ipi(1, [2, 3], (c) => m.invlpg(c, 0x2000));
      m.invlpg(2, 0x3000);
      m.beginStep(3);
      m.ipi(3, 'all', (c) => m.invlpg(c, 0x4000));
      return [m.latency, m.cycles, ...m.workByCpu()];
    };
    expect(run(true)).toEqual(run(false));
  });
});
