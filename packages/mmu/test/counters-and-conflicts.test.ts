// Counters past the first 64 names and the trace time of a sender still waiting for its IPI targets
// (spec linux.md §7.1, §7.4), and the `onConflict: 'either'` choice of which entry serves an access after
// a change without break-before-make (Arm ARM D8.16.1).
import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte, STANDARD_COUNTERS, createMachine, type MmuEvent } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('counters', () => {
  it('80 policy counters: each keeps its count and its weight; the snapshot lists standard names, then the rest sorted', () => {
    const names = Array.from({ length: 80 }, (_, i) => `pol.c${String(79 - i).padStart(2, '0')}`);
    const m = createMachine({ memory: '16MiB', cpus: 1 }, { 'pol.c00': 3, 'pol.c79': 2 });
    m.beginStep(0);
    names.forEach((n, i) => m.count(n, i + 1));
    for (const [i, n] of names.entries()) expect(m.counter(n)).toBe(i + 1);
    // Work: pol.c79 (first, once, weight 2) and pol.c00 (last, 80 times, weight 3).
    expect(m.cycles).toBe(2 * 1 + 3 * 80);
    const keys = Object.keys(m.snapshot().counters);
    expect(keys.slice(0, STANDARD_COUNTERS.length)).toEqual([...STANDARD_COUNTERS]);
    const rest = keys.slice(STANDARD_COUNTERS.length);
    expect(rest).toEqual([...rest].sort());
    expect(rest.filter((k) => k.startsWith('pol.'))).toEqual([...names].sort());
  });

  it('a sender’s next instruction starts when its slowest target’s acknowledgement is in', () => {
    const m = createMachine({ memory: '16MiB', cpus: 3 }, { invlpg: 1, ipi: 10, ipi_send: 2, ipi_wire: 3 });
    m.beginStep(0);
    const seen: MmuEvent[] = [];
    m.setEventSink((e) => seen.push(e));
    m.ipi(0, [1, 2], (c) => m.invlpg(c, 0x1000));
    m.invlpg(0, 0x2000);
    // Sends at 2 and 4; CPU 2's handler starts at 4, its entry costs 10 and its INVLPG 1: done at 15,
    // acknowledged at 18. CPU 0's own INVLPG runs from 18 to 19.
    const own = seen.filter((e) => e.kind === 'flush' && e.cpu === 0);
    expect(own.map((e) => [e.t, e.dur])).toEqual([[18, 1]]);
    expect(m.latency).toBe(19);
  });
});

describe("onConflict 'either': which entry serves the access", () => {
  function conflict() {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2, onConflict: 'either' });
    const mm = m.createSpace(7, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const [old, now] = [data(), data()];
    m.setLeaf(mm, USER_VA, 1, old, Pte.USER);
    m.setRoot(1, mm);
    return { m, mm, old, now };
  }

  it('the old entry chosen: its permission fault is the outcome, even where the new entry allows the access', () => {
    const { m, mm, now } = conflict();
    m.setLeaf(mm, USER_VA, 1, now, RW_USER); // no break: CPU 1 may still hold the read-only `old`
    m.conflictPick = 1;
    expect(m.access(1, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.FAULT_WRITE);
    expect(m.lastStale).toBe(true);
    m.conflictPick = 2;
    expect([m.access(1, USER_VA, Access.WRITE, Mode.USER), m.lastPfn]).toEqual([Outcome.OK, now]);
  });

  it('the old entry chosen, same frame as the new one: the access is an ordinary success', () => {
    const { m, mm, old } = conflict();
    m.setLeaf(mm, USER_VA, 1, old, RW_USER); // permissions widened in place
    m.conflictPick = 1;
    expect([m.access(1, USER_VA, Access.READ, Mode.USER), m.lastPfn]).toEqual([Outcome.OK, old]);
  });

  it('the rule (0): neither entry allows a write, the current entry’s fault is reported', () => {
    const { m, mm } = conflict();
    m.clearEntry(mm, USER_VA, 1);
    m.conflictPick = 0;
    expect(m.access(1, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
  });
});
