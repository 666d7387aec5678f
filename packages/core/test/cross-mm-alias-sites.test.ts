// cross-mm-alias — where a breach is reported and when it settles. The mermap (spec linux.md §4.4, RFC
// mm/mermap.c): a window "physically local to the current mm"; mermap_get writes non-global PTEs
// (arch/x86/include/asm/mermap.h arch_mermap_pgprot_allowed rejects _PAGE_GLOBAL) with migration
// disabled, mermap_put overwrites them with a sentinel and does not flush. The breach is a second address
// space reaching a frame one space holds in its window, or a global window entry that outlives the put
// (the buggy `linux-mermap-global`: it survives a CR3 switch).
import 'reflect-metadata';
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FRAME_MERMAP, FrameState } from '../src/index.js';
import { KDATA, UDATA, fixture, read } from './machine-fixture.js';

const WINDOW = 0x7f8000000000;
const PAGES = 512;
const win = { start: WINDOW, end: WINDOW + PAGES * 4096 };
const MERMAP_PTE = Pte.PRESENT | Pte.WRITABLE;

function setup(window: boolean = true) {
  const f = fixture('x86_64', ['cross-mm-alias'], {
    window: (n) => (window && n === 'linux.mermap' ? win : undefined),
  });
  const other = f.m.createSpace(2, f.table);
  const p = f.frame();
  return { f, other, p };
}

const found = (f: ReturnType<typeof setup>['f']) =>
  f.mon.take().filter((v) => v.invariant === 'cross-mm-alias');

describe('cross-mm-alias: the site of a breach', () => {
  it("another process's present entry: that space, its VA, no CPU, both spaces named", () => {
    const { f, other, p } = setup();
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW + 4096, p, MERMAP_PTE);
    expect(found(f)).toEqual([]);
    f.map(other, 0x400000, p, UDATA);
    expect(found(f)).toEqual([
      {
        invariant: 'cross-mm-alias',
        claimed: true,
        step: '',
        cpu: null,
        address: 0x400000,
        frame: p,
        explanation: `frame ${p} is private to address space ${f.user} (mermap window 0x7f8000001000) but address space ${other} reaches it at 0x400000`,
      },
    ]);
  });

  it('a global window entry is judged once it changed: the stale entry on the CPU that used it', () => {
    const { f, p } = setup();
    f.book.setFlag(p, FRAME_MERMAP, true);
    // While mapped, the global entry is the current mm's own (mermap_get runs with migration disabled).
    f.map(f.user, WINDOW, p, MERMAP_PTE | Pte.GLOBAL);
    expect(read(f, 1, WINDOW)).toBe(0);
    f.mon.operationReturned();
    expect(found(f)).toEqual([]);
    f.m.clearEntry(f.user, WINDOW, 1); // mermap_put: no flush
    f.mon.operationReturned();
    const v = found(f);
    expect(v).toHaveLength(1);
    // The MMU keeps holders per tag: both CPUs run with global entries, so CPU 0 is the first that may
    // hold this one.
    expect(v[0]).toMatchObject({
      cpu: 0,
      address: WINDOW,
      frame: p,
      explanation: `frame ${p} is mapped in the mm-local window at 0x7f8000000000 by a global entry, which every address space on that CPU reaches`,
    });
  });
});

describe('cross-mm-alias: a stale entry of another process', () => {
  it('names the CPU that may still hold it and the VA it was cached for', () => {
    const { f, other, p } = setup();
    f.m.setRoot(1, other); // CPU 1 runs the other process; CPU 0 never loads its PCID
    f.map(other, 0x400000, p, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.m.clearEntry(other, 0x400000, 1); // unmapped without a flush: CPU 1 may still hold it
    f.mon.operationReturned();
    expect(found(f)).toEqual([]);
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE); // mermap_get on CPU 0 of a page another mm may still reach
    expect(found(f)).toMatchObject([
      {
        cpu: 1,
        address: 0x400000,
        frame: p,
        explanation: `frame ${p} is private to address space ${f.user} (mermap window 0x7f8000000000) but address space ${other} reaches it at 0x400000`,
      },
    ]);
  });
});

describe('cross-mm-alias: what is the window', () => {
  it('the last page of the window is in it; the page after it and the page before it are not', () => {
    for (const [va, inside] of [
      [win.end - 4096, true],
      [win.end, false],
      [win.start - 4096, false],
    ] as const) {
      const { f, other, p } = setup();
      f.book.setFlag(p, FRAME_MERMAP, true);
      f.map(f.user, va, p, MERMAP_PTE);
      f.map(other, 0x400000, p, UDATA);
      expect(found(f).map((v) => v.address)).toEqual(inside ? [0x400000] : []);
    }
  });

  it('a policy without a mermap window has no such breach', () => {
    const { f, other, p } = setup(false);
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE | Pte.GLOBAL);
    f.map(other, 0x400000, p, UDATA);
    expect(read(f, 1, WINDOW)).toBe(0);
    f.m.clearEntry(f.user, WINDOW, 1);
    f.mon.operationReturned();
    expect(found(f)).toEqual([]);
  });
});

describe('cross-mm-alias: settling', () => {
  it('settles when the other path goes, even after the frame left the window; a new breach is reported anew', () => {
    const { f, other, p } = setup();
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE);
    f.map(other, 0x400000, p, UDATA);
    expect(found(f)).toHaveLength(1);
    // The window mapping is torn down and its mark cleared; the other process's mapping goes too (never
    // loaded on a CPU, so nothing is cached).
    f.book.setFlag(p, FRAME_MERMAP, false);
    f.m.clearEntry(f.user, WINDOW, 1);
    f.m.clearEntry(other, 0x400000, 1);
    f.m.flushGlobal(0);
    f.m.flushGlobal(1);
    f.mon.operationReturned();
    expect(found(f)).toEqual([]);
    // The same frame in the window again, and again mapped by the other process: a second report.
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW + 8192, p, MERMAP_PTE);
    f.map(other, 0x800000, p, UDATA);
    expect(found(f).map((v) => v.address)).toEqual([0x800000]);
  });
});

describe('cross-mm-alias: a breach that ended is reported again when it recurs', () => {
  it('the window mapping goes (mermap_put, then the flush) while the other process keeps the frame', () => {
    const { f, other, p } = setup();
    f.map(other, 0x400000, p, UDATA);
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE);
    expect(found(f).map((v) => v.address)).toEqual([0x400000]);
    f.m.clearEntry(f.user, WINDOW, 1);
    f.book.setFlag(p, FRAME_MERMAP, false);
    for (let c = 0; c < 2; c++) f.m.flushGlobal(c);
    f.mon.operationReturned();
    expect(found(f)).toEqual([]); // nothing holds the frame privately any more
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW + 4096, p, MERMAP_PTE); // mermap_get of the same page again
    expect(found(f).map((v) => v.address)).toEqual([0x400000]);
  });

  it("the other process's mapping goes while the window keeps the frame; its linear-map alias is no other path", () => {
    const { f, other, p } = setup();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE);
    f.map(other, 0x400000, p, UDATA);
    expect(found(f).map((v) => v.address)).toEqual([0x400000]);
    f.m.clearEntry(other, 0x400000, 1); // PCID 2 was never loaded: nothing of it is cached
    f.mon.operationReturned();
    expect(found(f)).toEqual([]);
    f.map(other, 0x800000, p, UDATA);
    expect(found(f).map((v) => v.address)).toEqual([0x800000]);
  });
});

describe('cross-mm-alias: a present global window entry', () => {
  it('is a breach as soon as it is stored, when the frame has another path to be judged by (its linear map)', () => {
    const { f, p } = setup();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE | Pte.GLOBAL); // linux-mermap-global: survives a CR3 switch
    expect(found(f)).toEqual([
      expect.objectContaining({
        cpu: null,
        address: WINDOW,
        frame: p,
        explanation: `frame ${p} is mapped in the mm-local window at 0x7f8000000000 by a global entry, which every address space on that CPU reaches`,
      }),
    ]);
  });
});

describe('cross-mm-alias: only frames the window holds', () => {
  it('a stale window entry of a frame freed after mermap_put and reused by another process is mermap-free, not this', () => {
    const f = fixture('x86_64', ['cross-mm-alias', 'mermap-free'], {
      window: (n) => (n === 'linux.mermap' ? win : undefined),
    });
    const other = f.m.createSpace(2, f.table);
    const p = f.frame();
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE);
    expect(read(f, 1, WINDOW)).toBe(0);
    f.m.clearEntry(f.user, WINDOW, 1); // mermap_put: sentinel, no flush
    f.book.setFlag(p, FRAME_MERMAP, false);
    f.book.setState(p, FrameState.Free); // linux-mermap-free-noflush: freed before the flush
    f.book.setState(p, FrameState.Allocated);
    f.map(other, 0x400000, p, UDATA); // the next owner
    f.mon.operationReturned();
    const v = f.mon.take().filter((x) => x.invariant === 'cross-mm-alias' || x.invariant === 'mermap-free');
    expect(v.map((x) => [x.invariant, x.frame, x.address])).toEqual([['mermap-free', p, WINDOW]]);
  });
});
