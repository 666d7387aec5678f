// stale-exec-alias (spec INV-XALIAS) across a free and a reuse, and wx-alias (INV-WX) on the kernel side
// only. A translation captured before a frame's last free is stale for the frame's next owner; one made
// after the reuse is the new owner's own. The frame counts as free while either book says so: the page
// allocator's (Free, or in the unmapped pool) or the machine's.
import { Access, Mode, Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FrameState, type InvariantId, type InvariantViolation } from '../src/index.js';
import { KDATA, KEXEC, UDATA, fixture, freeFrame, read } from './machine-fixture.js';

const MODULE_VA = 2 ** 47 + 2 ** 40; // a kernel-half address outside the linear map
type F = ReturnType<typeof fixture>;

function only(f: F, id: InvariantId): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === id);
}
const hex = (va: number): string => `0x${va.toString(16)}`;

/** Module text at MODULE_VA, executed by CPU 1 (CPU 0's copy flushed). */
function moduleText() {
  const f = fixture('x86_64', ['stale-exec-alias', 'wx-alias']);
  const p = f.frame();
  f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
  expect(f.m.access(1, MODULE_VA, Access.EXEC, Mode.KERNEL)).toBe(0);
  f.m.invlpg(0, MODULE_VA);
  return { f, p };
}

/** The frame freed and handed out again with the monitor away: judged at the next store that reaches it. */
function reusedUnwatched(f: F, p: number): void {
  f.mon.detach();
  freeFrame(f, p);
  f.m.frames.setTag(p, 'data');
  f.book.setState(p, FrameState.Allocated);
  f.mon.attach();
}

describe('stale-exec-alias: reused frames', () => {
  it('a stale executable entry older than the free reaches the new owner: "reused", its holder and address', () => {
    const { f, p } = moduleText();
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1); // vunmap without the flush
    reusedUnwatched(f, p);
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA); // the new owner writes through the linear map
    const v = only(f, 'stale-exec-alias');
    // The MMU keeps holders per tag: both CPUs may hold global entries, CPU 0 is the first.
    expect(v).toEqual([
      expect.objectContaining({
        cpu: 0,
        address: MODULE_VA,
        frame: p,
        explanation: `frame ${p} is reused but a stale executable entry for ${hex(MODULE_VA)} may still be cached`,
      }),
    ]);
  });

  it('a present executable entry older than the free: "reused", no CPU, no address', () => {
    const { f, p } = moduleText();
    reusedUnwatched(f, p); // freed without vunmap: the module entry stays
    f.map(f.user, 0x400000, p, UDATA);
    expect(only(f, 'stale-exec-alias')).toEqual([
      expect.objectContaining({
        cpu: null,
        address: null,
        frame: p,
        explanation: `frame ${p} is reused but a present executable entry still maps it`,
      }),
    ]);
  });

  it("a stale executable entry captured after the reuse is the new owner's", () => {
    const f = fixture('x86_64', ['stale-exec-alias']);
    const p = f.frame();
    freeFrame(f, p);
    f.m.frames.setTag(p, 'data');
    f.book.setState(p, FrameState.Allocated);
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(f.m.access(1, MODULE_VA, Access.EXEC, Mode.KERNEL)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1); // its own vunmap, flush pending: not a use after free
    f.mon.operationReturned();
    expect(only(f, 'stale-exec-alias')).toEqual([]);
  });
});

describe('stale-exec-alias: what counts as free', () => {
  for (const [name, state] of [
    ['Free', FrameState.Free],
    ['UnmappedPool', FrameState.UnmappedPool],
  ] as const) {
    it(`the page allocator's ${name}, the machine not told yet`, () => {
      const { f, p } = moduleText();
      f.mon.operationReturned(); // nothing left to re-judge: the book's change alone is the event
      f.mon.take();
      f.book.setState(p, state);
      expect(only(f, 'stale-exec-alias')).toEqual([
        expect.objectContaining({
          frame: p,
          explanation: `frame ${p} is free but a present executable entry still maps it`,
        }),
      ]);
    });
  }

  it("the machine's free, the allocator's book not written yet (judged at the next store)", () => {
    const { f, p } = moduleText();
    f.mon.detach();
    f.m.frames.free(p);
    f.mon.attach();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    expect(only(f, 'stale-exec-alias').map((v) => v.explanation)).toEqual([
      `frame ${p} is free but a present executable entry still maps it`,
    ]);
  });

  it('settles when the last executable entry is gone and flushed; a later breach is reported again', () => {
    const { f, p } = moduleText();
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1);
    freeFrame(f, p);
    expect(only(f, 'stale-exec-alias')).toHaveLength(1);
    for (let c = 0; c < 2; c++) f.m.invlpg(c, MODULE_VA);
    f.mon.operationReturned();
    expect(only(f, 'stale-exec-alias')).toEqual([]);
    f.map(f.m.kernelSpace, MODULE_VA + 0x1000, p, KEXEC); // a free frame mapped executable again
    expect(only(f, 'stale-exec-alias').map((v) => v.frame)).toEqual([p]);
  });
});

describe('wx-alias: the executable side is the kernel', () => {
  it('a user page executable for its process and writable through the linear map is how code is loaded', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    f.map(f.user, 0x400000, p, Pte.PRESENT | Pte.USER | Pte.XUSER);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    expect(only(f, 'wx-alias')).toEqual([]);
    // A kernel-executable alias of the same frame is the breach.
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(only(f, 'wx-alias').map((v) => v.frame)).toEqual([p]);
  });
});

describe('wx-alias: one report per breach', () => {
  it('set_memory_ro over a cached writable alias does not end the breach; the flush does', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    f.map(f.m.kernelSpace, dm, p, KDATA);
    expect(only(f, 'wx-alias')).toHaveLength(1);
    // Read-only now, but the writable entry may still be cached: the same breach, not a second one.
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, Pte.PRESENT | Pte.GLOBAL);
    f.m.invlpg(0, dm);
    expect(only(f, 'wx-alias')).toEqual([]);
    f.m.invlpg(1, dm);
    f.mon.operationReturned();
    expect(only(f, 'wx-alias')).toEqual([]);
    // Writable again: a new breach, reported.
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, KDATA);
    expect(only(f, 'wx-alias').map((v) => v.frame)).toEqual([p]);
  });
});
