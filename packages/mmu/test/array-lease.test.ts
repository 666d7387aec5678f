// A released machine's typed arrays go to the next machine of the same size (array-pool.ts): the next
// machine must not be able to tell — every array refilled as if new — and a released machine's lease
// hands out nothing more.
import { describe, expect, it } from 'vitest';
import { Access, ArrayLease, Mode, pteFlags, type Machine } from '../src/index.js';
import { rig, USER_VA } from './helpers.js';

/** Dirty every per-frame and per-CPU structure a little: leaves W+X, stale copies, frees, a key register. */
function workload(): { m: Machine; seen: unknown[] } {
  const { m, kernel, table, data } = rig({ cpus: 3 });
  const user = m.createSpace(1, table);
  m.ensurePath(user, USER_VA, 1, table);
  const frames = [data(), data(), data()];
  const rwx = pteFlags({ writable: true, user: true, xUser: true });
  for (let i = 0; i < 3; i++) m.setLeaf(user, USER_VA + i * 4096, 1, frames[i], rwx);
  for (let cpu = 0; cpu < 3; cpu++) {
    m.setRoot(cpu, user);
    m.access(cpu, USER_VA, Access.READ, Mode.USER);
  }
  m.clearEntry(user, USER_VA, 1);
  m.frames.free(frames[0]);
  m.invlpg(1, USER_VA);
  const seen: unknown[] = [
    m.snapshot(),
    m.wxFrameCount,
    m.staleLeaf.live,
    m.tables.tableCount,
    ...frames.map((f) => [
      m.frames.tag(f),
      m.frames.generation(f),
      m.isWxAnywhere(f),
      m.cachedAfterFree(f),
      m.cachedTranslations(f).map((t) => t.cpus),
    ]),
    m.lookup(kernel, m.arch.layout.vmallocBase).present,
  ];
  return { m, seen };
}

describe('array lease: a machine built from a released one reads like a new one', () => {
  it('reuses the released arrays, refilled: the same work gives the same answers', () => {
    const first = workload();
    // The one per-frame Int32Array of the machine: table slot per frame, -1 where no table.
    const slotOf = first.m.tables.slotOf;
    expect(Array.from(slotOf).some((v) => v >= 0)).toBe(true);
    first.m.release();
    first.m.release(); // twice: harmless
    const second = workload();
    // The recycled array, not a new one: this is what saves the allocation.
    expect(second.m.tables.slotOf).toBe(slotOf);
    expect(second.seen).toEqual(first.seen);
  });

  it('a machine never released keeps its arrays to itself', () => {
    const a = workload();
    const b = workload();
    expect(b.m.tables.slotOf).not.toBe(a.m.tables.slotOf);
  });

  it('fills what it hands out, and refuses after release', () => {
    const lease = new ArrayLease();
    const a = lease.take(Int32Array, 8, -1);
    a[3] = 7;
    lease.release();
    expect(() => lease.take(Int32Array, 8)).toThrow('released');
    const again = new ArrayLease().take(Int32Array, 8, -1);
    expect(again).toBe(a);
    expect(Array.from(again)).toEqual(new Array(8).fill(-1));
  });

  it('gives an array back only to a take of its own type and length', () => {
    // Arrays of equal byte size and length but another type, and of the same type but another length: a
    // free list keyed by size, or by length alone, would hand one for the other.
    const lease = new ArrayLease();
    const i32 = lease.take(Int32Array, 6);
    const u32 = lease.take(Uint32Array, 6);
    const u8 = lease.take(Uint8Array, 24);
    const i8 = lease.take(Int8Array, 24);
    const u16 = lease.take(Uint16Array, 12);
    const f64 = lease.take(Float64Array, 3);
    const longer = lease.take(Int32Array, 7);
    lease.release();
    const next = new ArrayLease();
    // Each asked first for the type that a type-blind (or size-keyed) pool would not give back first.
    expect(next.take(Int32Array, 6)).toBe(i32);
    expect(next.take(Uint8Array, 24)).toBe(u8);
    expect(next.take(Uint16Array, 12)).toBe(u16);
    expect(next.take(Uint32Array, 6)).toBe(u32);
    expect(next.take(Int8Array, 24)).toBe(i8);
    expect(next.take(Float64Array, 3)).toBe(f64);
    expect(next.take(Int32Array, 7)).toBe(longer);
    const fresh = next.take(Int32Array, 6);
    expect(fresh).not.toBe(i32);
    expect(fresh).toBeInstanceOf(Int32Array);
    next.release();
  });

  // A lease whose arrays total more than the shared pool keeps (8 MiB) is a multi-GiB machine's: 1.1 M doubles.
  // (Identity is compared with ===: a matcher would print a million elements.)
  const LARGE = 1_100_000;

  it('a machine too large for the shared pool hands its arrays to the next machine of its size', () => {
    const first = new ArrayLease(786_432);
    const big = first.take(Float64Array, LARGE);
    const small = first.take(Int32Array, 5, -1);
    big[7] = 3;
    small[1] = 9;
    first.release();
    const next = new ArrayLease(786_432);
    const again = next.take(Float64Array, LARGE, 2);
    expect(again === big).toBe(true);
    expect(again.every((v) => v === 2)).toBe(true);
    expect(next.take(Int32Array, 5, -1)).toBe(small);
    expect(Array.from(small)).toEqual([-1, -1, -1, -1, -1]);
    next.release();
  });

  it('drops them as soon as a machine of another size is built', () => {
    const first = new ArrayLease(524_288);
    const big = first.take(Float64Array, LARGE);
    first.release();
    new ArrayLease(16_384).release();
    expect(new ArrayLease(524_288).take(Float64Array, LARGE) === big).toBe(false);
  });

  it('keeps them for no one when the lease is no machine’s or another machine was built meanwhile', () => {
    const loose = new ArrayLease();
    const big = loose.take(Float64Array, LARGE);
    loose.release();
    expect(new ArrayLease(262_144).take(Float64Array, LARGE) === big).toBe(false);
    const older = new ArrayLease(131_072);
    const old = older.take(Float64Array, LARGE);
    new ArrayLease(65_536);
    older.release();
    expect(new ArrayLease(65_536).take(Float64Array, LARGE) === old).toBe(false);
  });
});
