import { describe, expect, it } from 'vitest';
import { Access, Mode, Pte, type MmuEvent } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

describe('trace event sink (DESIGN §2 "Costs and events")', () => {
  it('receives time-stamped per-CPU events for stores, fills, flushes, IPI spans and key changes', () => {
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
    // Time is the cost clock: the IPI (15) and the INVLPG (1) of spec linux.md §7.2 advance it.
    const t = events.map((e) => e.t);
    expect(t.every((x, i) => i === 0 || x >= t[i - 1]!)).toBe(true);
    expect(events[5]!.t - events[3]!.t).toBeCloseTo(1, 9);
  });
});
