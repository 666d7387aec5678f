// Observers of stale walk-cache records (DESIGN §3: invariants are told when a record appears or goes,
// and when the table frame it points at is freed), and cost-profile rows for counters registered while
// a profile records (spec linux.md §7.4: every charge lands in the breakdown, on its CPU).
import { describe, expect, it } from 'vitest';
import { type ChangeCause, createMachine } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

describe('walkChanged', () => {
  it('a record appears on unlink, its table frame is freed, the record goes on invalidation', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const pt = m.lookup(mm, USER_VA).tables[3];
    m.setRoot(0, mm);
    const seen: [number, ChangeCause][] = [];
    m.observe({ walkChanged: (pfn, cause) => seen.push([pfn, cause]) });
    m.clearEntry(mm, USER_VA, 2);
    m.frames.free(pt);
    m.invlpg(0, USER_VA);
    expect(seen).toEqual([
      [pt, 'unlink'],
      [pt, 'free'],
      [pt, 'invalidate'],
    ]);
    // A frame no record points at: its free is no walk change.
    const other = table();
    m.frames.free(other);
    expect(seen).toHaveLength(3);
  });
});

describe('cost profile with counters registered while it records', () => {
  it('two new counters, one charged in the sender’s own share of an IPI round: both in the report, on their CPU', () => {
    const m = createMachine({ cpus: 2, memory: '16MiB' }, { ipi: 10, 'pol.local': 2, 'pol.after': 3 });
    m.beginStep(0);
    m.startCostProfile();
    m.ipi(0, 'all', (c) => {
      if (c === 0) m.count('pol.local');
    });
    m.count('pol.after', 2);
    const r = m.stopCostProfile();
    const byName = Object.fromEntries(r.events.map((e) => [e.name, [e.weight, e.count]]));
    expect(byName['pol.local']).toEqual([2, 1]);
    expect(byName['pol.after']).toEqual([3, 2]);
    expect(r.byCpu[0]).toMatchObject({ 'pol.local': 1, 'pol.after': 2 });
    expect(r.byCpu[1]).toEqual({ ipi: 1 });
  });
});
