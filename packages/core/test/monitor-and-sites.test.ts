// The invariant monitor's bookkeeping (DESIGN §3: a violation of a claimed invariant is a finding, of an
// unclaimed one a note; soft invariants are always notes; a condition is reported once until it no
// longer holds) and the sites violations name: which CPU, which address, which frame.
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FrameState, InvariantMonitor, invariant, type Invariant } from '../src/index.js';
import { KDATA, UDATA, fixture, freeFrame, read } from './machine-fixture.js';

describe('the monitor', () => {
  it('attributes each violation to the step being run, claimed or not, and hands each out once', () => {
    const f = fixture('arm64', ['break-before-make']);
    const a = f.frame();
    const b = f.frame();
    f.map(f.user, 0x400000, a, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.mon.step = 'steps/3';
    f.m.setLeaf(f.user, 0x400000, 1, b, UDATA);
    const v = f.mon.take().filter((x) => x.invariant === 'break-before-make');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({
      invariant: 'break-before-make',
      claimed: true,
      step: 'steps/3',
      address: 0x400000,
    });
    // Both CPUs run the space (the fixture loads it everywhere): the first that may hold the old entry.
    expect(v[0].cpu).toBe(0);
    expect(v[0].explanation).toContain('0x400000');
    expect(f.mon.take()).toEqual([]);
    // Each offending store is its own violation (keyed by store, not frame).
    f.m.setLeaf(f.user, 0x400000, 1, a, UDATA);
    expect(f.mon.take().filter((x) => x.invariant === 'break-before-make')).toHaveLength(1);
  });

  it('an unclaimed invariant is a note; a soft one is a note even when claimed', () => {
    const f = fixture('arm64', ['stale-direct-map']);
    const a = f.frame();
    f.map(f.user, 0x400000, a, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.m.setLeaf(f.user, 0x400000, 1, f.frame(), UDATA);
    expect(f.mon.take().find((x) => x.invariant === 'break-before-make')?.claimed).toBe(false);
    expect(invariant('stale-direct-map')?.soft).toBe(true);
  });

  it('detached, it hears nothing; attach is idempotent', () => {
    const f = fixture('arm64', ['break-before-make']);
    const a = f.frame();
    f.map(f.user, 0x400000, a, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.mon.attach();
    f.mon.detach();
    f.m.setLeaf(f.user, 0x400000, 1, f.frame(), UDATA);
    freeFrame(f, a);
    expect(f.mon.take()).toEqual([]);
    expect(f.book.listener).toBeNull();
    f.mon.detach();
    f.mon.attach();
    f.m.setLeaf(f.user, 0x400000, 1, a, UDATA);
    expect(f.mon.take().filter((x) => x.invariant === 'break-before-make')).toHaveLength(1);
  });

  /** The fixture's machine and book watched by a monitor of one probe invariant instead of the catalogue. */
  function probed(probe: Invariant): { f: ReturnType<typeof fixture>; mon: InvariantMonitor } {
    const f = fixture('x86_64');
    f.mon.detach();
    const env = { window: () => undefined, spaceOf: () => undefined };
    const mon = new InvariantMonitor(f.m, f.book, [], env, [probe]);
    mon.attach();
    return { f, mon };
  }

  it('runs only the invariants it was given', () => {
    const seen: string[] = [];
    const { f, mon } = probed({
      id: 'wx-alias',
      description: 'probe',
      framesChanged: (_ctx, first, count, cause) => void seen.push(`${first}+${count}:${cause}`),
      operationReturned: () => void seen.push('returned'),
    });
    const p = f.frame();
    f.m.ensurePath(f.user, 0x400000, 1, f.table);
    mon.operationReturned(); // settles the frame-book changes above
    seen.length = 0;
    f.m.setLeaf(f.user, 0x400000, 1, p, UDATA);
    mon.operationReturned();
    // A store is judged at once and once more when the next event settles it.
    expect(seen).toEqual([`${p}+1:store`, `${p}+1:settled`, 'returned']);
    mon.detach();
  });

  it('a frame the book and then the MMU free is settled once; frames in between keep their turn', () => {
    const seen: string[] = [];
    const { f, mon } = probed({
      id: 'stale-after-free',
      description: 'probe',
      framesChanged: (_ctx, first, count, cause) => void seen.push(`${first}+${count}:${cause}`),
      frameState: (_ctx, pfn, _from, to) => void seen.push(`${pfn}:state ${to}`),
    });
    const p = f.frame();
    const q = f.frame();
    const r = f.frame();
    mon.operationReturned();
    seen.length = 0;
    // linux-mm's order: the frame book first, then the MMU's free (its generation moves on).
    f.book.setState(p, FrameState.Free);
    f.m.frames.free(p);
    mon.operationReturned();
    expect(seen).toEqual([`${p}:state ${FrameState.Free}`, `${p}+1:free`, `${p}+1:settled`]);
    // Not adjacent: each change waits its turn, in the order it happened.
    seen.length = 0;
    f.book.setState(q, FrameState.Free);
    f.m.frames.free(r);
    f.m.frames.free(q);
    mon.operationReturned();
    expect(seen).toEqual([
      `${q}:state ${FrameState.Free}`,
      `${r}+1:free`,
      `${q}+1:free`,
      `${q}+1:settled`,
      `${r}+1:settled`,
      `${q}+1:settled`,
    ]);
    mon.detach();
  });
});

describe('sites', () => {
  it('stale-exec-alias names a CPU that may hold the executable entry, its address and the frame', () => {
    const f = fixture('x86_64', ['stale-exec-alias']);
    const p = f.frame();
    const va = f.m.arch.layout.vmallocBase;
    f.map(f.m.kernelSpace, va, p, Pte.PRESENT | Pte.XKERNEL | Pte.GLOBAL);
    f.m.clearEntry(f.m.kernelSpace, va, 1);
    f.mon.take();
    freeFrame(f, p);
    const v = f.mon.take().find((x) => x.invariant === 'stale-exec-alias');
    expect(v).toMatchObject({ claimed: true, address: va, frame: p });
    expect([0, 1]).toContain(v?.cpu);
  });

  it('wx-alias: writable through the linear map while executable through another alias, any CPU', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    const va = f.m.arch.layout.vmallocBase;
    f.map(f.m.kernelSpace, va, p, Pte.PRESENT | Pte.XKERNEL | Pte.GLOBAL);
    f.mon.take();
    f.map(f.m.kernelSpace, dm, p, KDATA);
    const v = f.mon.take().filter((x) => x.invariant === 'wx-alias');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ claimed: true, frame: p });
    // Reported once while it holds; again after it stopped and came back.
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, Pte.PRESENT | Pte.GLOBAL);
    for (let c = 0; c < 2; c++) f.m.invlpg(c, dm);
    f.mon.operationReturned();
    f.mon.take();
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, KDATA);
    expect(f.mon.take().filter((x) => x.invariant === 'wx-alias')).toHaveLength(1);
  });
});
