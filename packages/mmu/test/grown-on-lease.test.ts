// A store that grows during a run takes its grown arrays from the machine's lease (grown.ts grownOn): the
// grown array reads exactly like grown()'s — old values, then the fill — and it goes back to the pool with
// the machine, so the next machine that grows the same way gets it again instead of a new one.
import { describe, expect, it } from 'vitest';
import { ArrayLease, Pte } from '../src/index.js';
import { grown, grownOn } from '../src/grown.js';
import { USER_VA, rig } from './helpers.js';

describe('grownOn', () => {
  it('keeps the old values, fills the rest, and leaves the old array alone', () => {
    const lease = new ArrayLease();
    const a = lease.take(Int32Array, 4, -1);
    a.set([7, -3, 0, 9]);
    const b = grownOn(lease, a, 10, -1);
    expect(b).not.toBe(a);
    expect(Array.from(b)).toEqual(Array.from(grown(a, 10, -1)));
    expect(Array.from(b)).toEqual([7, -3, 0, 9, -1, -1, -1, -1, -1, -1]);
    expect(Array.from(a)).toEqual([7, -3, 0, 9]);
    const f = grownOn(lease, lease.take(Float64Array, 2), 5);
    expect(f).toBeInstanceOf(Float64Array);
    expect(Array.from(f)).toEqual([0, 0, 0, 0, 0]);
  });

  it('hands both arrays back with the lease: the next lease gets them, refilled', () => {
    const first = new ArrayLease();
    const a = first.take(Uint32Array, 3);
    a.set([1, 2, 3]);
    const b = grownOn(first, a, 6);
    b[5] = 42;
    first.release();
    const next = new ArrayLease();
    const b2 = next.take(Uint32Array, 6);
    const a2 = next.take(Uint32Array, 3, 5);
    expect(b2).toBe(b);
    expect(a2).toBe(a);
    expect(Array.from(b2)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(a2)).toEqual([5, 5, 5]);
  });

  it('a lease larger than the shared pool lets an outgrown array go at once; it is not handed back', () => {
    // a large machine's arrays (more than the shared pool's 8 MiB) are kept for the next machine of its size
    const FRAMES = 123457;
    const big = new ArrayLease(FRAMES);
    big.take(Uint8Array, 9 * 1024 * 1024);
    const a = big.take(Uint16Array, 7);
    const b = grownOn(big, a, 11);
    big.release();
    const next = new ArrayLease(FRAMES);
    expect(next.take(Uint16Array, 11)).toBe(b);
    expect(next.take(Uint16Array, 7)).not.toBe(a);
  });
});

describe('page tables grown on the lease', () => {
  /** Outgrow the first 16 table slots: one user space with 24 PTE tables, a leaf in each. */
  function growTables(): { tables: Set<Uint32Array>; answers: unknown[] } {
    const { m, table, data } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    const answers: unknown[] = [];
    for (let i = 0; i < 24; i++) {
      const va = USER_VA + i * 2 ** 21;
      m.ensurePath(mm, va, 1, table);
      m.setLeaf(mm, va, 1, data(), Pte.WRITABLE | Pte.USER);
    }
    for (let i = 0; i < 24; i++) {
      const l = m.lookup(mm, USER_VA + i * 2 ** 21);
      answers.push([l.present, l.pfn, l.level, l.tables]);
    }
    answers.push(m.tables.tableCount, m.snapshot());
    // the three per-entry arrays are all Uint32Array of one length: which one becomes which is the pool's order
    const tables = new Set([m.tables.flags, m.tables.out, m.tables.since]);
    m.release();
    return { tables, answers };
  }

  it('the next machine that grows the same way reuses the grown arrays and answers the same', () => {
    const first = growTables();
    const second = growTables();
    expect(first.answers[24]).toBeGreaterThan(16);
    expect([...second.tables].every((a) => first.tables.has(a))).toBe(true);
    expect(second.answers).toEqual(first.answers);
  });
});
