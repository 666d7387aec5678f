// pkey-kept, unmapped-stays-unmapped (INV-UNMAPPED) and the soft stale-direct-map at their sites: the
// address whose entry is wrong, the CPU that may hold a stale one, and when the condition ends.
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FrameState, type InvariantId, type InvariantViolation } from '../src/index.js';
import { KDATA, UDATA, fixture, read } from './machine-fixture.js';

const key = (k: number): number => k << Pte.KEY_SHIFT;
type F = ReturnType<typeof fixture>;

function only(f: F, id: InvariantId): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === id);
}

describe('pkey-kept sites', () => {
  it('names the page whose entry lost the key, and both keys', () => {
    const f = fixture('x86_64', ['pkey-kept']);
    f.book.setExpectedKey(1, 0x400000, 0x404000, 3);
    const ok = f.frame();
    const lost = f.frame();
    f.map(f.user, 0x400000, ok, UDATA | key(3));
    f.map(f.user, 0x402000, lost, UDATA | key(0)); // the refaulted page (swap-out, D39556)
    f.mon.operationReturned();
    const v = only(f, 'pkey-kept');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: null, address: 0x402000, frame: lost, claimed: true });
    expect(v[0].explanation).toBe('0x402000 should carry key 3 but its entry has key 0');
  });

  it('pages outside the range, and ranges of a process without an address space, are not judged', () => {
    const f = fixture('x86_64');
    f.book.setExpectedKey(1, 0x400000, 0x401000, 3);
    f.book.setExpectedKey(7, 0x400000, 0x401000, 3); // pid 7 has no address space
    f.map(f.user, 0x400000, f.frame(), UDATA | key(3));
    f.map(f.user, 0x401000, f.frame(), UDATA); // just past the end
    f.map(f.user, 0x3ff000, f.frame(), UDATA); // just before the start
    f.mon.operationReturned();
    expect(only(f, 'pkey-kept')).toEqual([]);
  });

  it('ends when the key is back (or the range cleared), and a later loss is reported again', () => {
    const f = fixture('x86_64');
    const p = f.frame();
    f.book.setExpectedKey(1, 0x400000, 0x401000, 3);
    f.map(f.user, 0x400000, p, UDATA);
    f.mon.operationReturned();
    expect(only(f, 'pkey-kept')).toHaveLength(1);
    f.mon.operationReturned();
    expect(only(f, 'pkey-kept')).toEqual([]); // reported once while it holds
    f.m.setLeaf(f.user, 0x400000, 1, p, UDATA | key(3));
    f.mon.operationReturned();
    f.m.setLeaf(f.user, 0x400000, 1, p, UDATA | key(1));
    f.mon.operationReturned();
    expect(only(f, 'pkey-kept')).toHaveLength(1);
  });
});

describe('unmapped-stays-unmapped sites', () => {
  it('a present linear-map entry: its address, no CPU', () => {
    const f = fixture('x86_64', ['unmapped-stays-unmapped']);
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    f.mon.take();
    f.book.setState(p, FrameState.UnmappedPool); // waiting in the pool counts as unmapped too
    const v = only(f, 'unmapped-stays-unmapped');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: null, address: f.m.directMapVa(p), frame: p, claimed: true });
    expect(v[0].explanation).toBe(`frame ${p} was handed out unmapped but its direct-map entry is present`);
  });

  it('a cached linear-map entry: its holder and address; ends once flushed, comes back when re-mapped', () => {
    const f = fixture('x86_64', ['unmapped-stays-unmapped']);
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    f.map(f.m.kernelSpace, dm, p, KDATA);
    expect(read(f, 1, dm)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, dm, 1); // set_direct_map_invalid_noflush
    f.m.invlpg(0, dm); // CPU 0 flushed, CPU 1 not yet
    f.mon.take();
    f.book.setState(p, FrameState.Unmapped);
    const v = only(f, 'unmapped-stays-unmapped');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: 1, address: dm, frame: p });
    expect(v[0].explanation).toBe(
      `frame ${p} was handed out unmapped but a direct-map entry for 0x${dm.toString(16)} may still be cached`,
    );
    f.m.invlpg(1, dm);
    f.mon.operationReturned();
    expect(only(f, 'unmapped-stays-unmapped')).toEqual([]);
    f.map(f.m.kernelSpace, dm, p, KDATA); // the direct map restored while the frame is still unmapped
    expect(only(f, 'unmapped-stays-unmapped')).toHaveLength(1);
  });

  it('a frame handed out normally is not judged, and leaving the unmapped state ends the violation', () => {
    const f = fixture('x86_64');
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    f.book.setState(p, FrameState.Unmapped);
    expect(only(f, 'unmapped-stays-unmapped')).toHaveLength(1);
    f.book.setState(p, FrameState.Allocated);
    f.m.setLeaf(f.m.kernelSpace, f.m.directMapVa(p), 1, p, KDATA | Pte.ACCESSED);
    expect(only(f, 'unmapped-stays-unmapped')).toEqual([]);
    f.book.setState(p, FrameState.Unmapped);
    expect(only(f, 'unmapped-stays-unmapped')).toHaveLength(1);
  });
});

describe('stale-direct-map sites (soft)', () => {
  function tightened(flags: number) {
    const f = fixture('x86_64');
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    f.map(f.m.kernelSpace, dm, p, Pte.PRESENT | Pte.GLOBAL);
    expect(read(f, 1, dm)).toBe(0);
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, flags);
    f.mon.operationReturned();
    return { f, p, dm };
  }
  it('a cached read-only entry under a writable one: a note naming the holder and the address', () => {
    const { f, p, dm } = tightened(KDATA);
    const v = only(f, 'stale-direct-map');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ claimed: false, address: dm, frame: p });
    expect([0, 1]).toContain(v[0].cpu);
    expect(v[0].explanation).toBe(
      `a cached direct-map entry for 0x${dm.toString(16)} is less permissive than the current one (a spurious fault on access)`,
    );
  });
  it('the same rights (another bit only), or an entry of another frame, is no such note', () => {
    expect(only(tightened(Pte.PRESENT | Pte.GLOBAL | Pte.ACCESSED).f, 'stale-direct-map')).toEqual([]);
    const f = fixture('x86_64');
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    f.map(f.m.kernelSpace, dm, p, Pte.PRESENT | Pte.GLOBAL);
    expect(read(f, 1, dm)).toBe(0);
    f.m.setLeaf(f.m.kernelSpace, dm, 1, f.frame(), KDATA);
    f.mon.operationReturned();
    expect(only(f, 'stale-direct-map')).toEqual([]);
  });
  it('a user entry made less permissive is not about the direct map', () => {
    const f = fixture('x86_64');
    const p = f.frame();
    f.map(f.user, 0x400000, p, Pte.PRESENT | Pte.USER);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.m.setLeaf(f.user, 0x400000, 1, p, UDATA);
    f.mon.operationReturned();
    expect(only(f, 'stale-direct-map')).toEqual([]);
  });
});
