// stale-after-free (DESIGN §3: any translation, valid or possibly cached, reaches a frame freed and
// reused) at its sites: a cached entry (which CPU, which address) or a present entry never removed (no CPU,
// no address: it is in the tables), only once the frame is handed out again, and not for a stale entry
// that grants nothing the current one does not (first honesty rule).
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FrameState, type InvariantViolation } from '../src/index.js';
import { KDATA, UDATA, UREAD, fixture, freeFrame, read } from './machine-fixture.js';

const VA = 0x400000;
type F = ReturnType<typeof fixture>;

function saf(f: F): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === 'stale-after-free');
}

/** Hand a freed frame out again: the machine's frame tag first, then the book (either order is judged). */
function reuse(f: F, p: number, state: FrameState = FrameState.Allocated): void {
  f.m.frames.setTag(p, 'data');
  f.book.setState(p, state);
}

/** Frame `p` mapped at VA, read by CPU 1 only (CPU 0 runs another PCID), cleared without a flush, freed. */
function cachedThenFreed() {
  const f = fixture('x86_64', ['stale-after-free']);
  const other = f.m.createSpace(2, f.table);
  f.m.setRoot(0, other);
  f.m.invpcid(0, 1, 1);
  const p = f.frame();
  f.map(f.user, VA, p, UDATA);
  expect(read(f, 1, VA, true)).toBe(0);
  f.m.clearEntry(f.user, VA, 1); // zap without the flush
  f.mon.take();
  freeFrame(f, p);
  return { f, p };
}

describe('stale-after-free sites', () => {
  it('a cached entry: the CPU that may hold it, its address, reported once however often it is judged', () => {
    const { f, p } = cachedThenFreed();
    expect(saf(f)).toEqual([]); // freed, not yet reused
    reuse(f, p);
    f.mon.operationReturned(); // judged again when the book's change settles
    f.mon.operationReturned();
    const v = saf(f);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: 1, address: VA, frame: p, claimed: true });
    expect(v[0].explanation).toBe(
      `frame ${p} was freed and reused, but a stale entry for 0x400000 captured before the free may still be cached`,
    );
  });

  it('a stale entry the new owner left behind after the reuse is not from before the free', () => {
    const f = fixture('x86_64', ['stale-after-free']);
    const p = f.frame();
    freeFrame(f, p);
    reuse(f, p);
    f.map(f.user, VA, p, UDATA);
    expect(read(f, 1, VA, true)).toBe(0);
    f.m.clearEntry(f.user, VA, 1); // the new owner's own unflushed zap
    f.mon.operationReturned();
    expect(saf(f)).toEqual([]);
  });

  it('reported at the frame book event that hands the frame out, not one event later', () => {
    const { f, p } = cachedThenFreed();
    f.map(f.user, 0x800000, f.frame(), UDATA); // an unrelated store settles the free's pending judgement
    f.mon.take();
    f.m.frames.setTag(p, 'data');
    f.book.setState(p, FrameState.Allocated);
    expect(saf(f)).toHaveLength(1);
  });

  it('freed and handed out again by the machine alone (no frame book event): a new episode', () => {
    const f = fixture('x86_64', ['stale-after-free']);
    const p = f.frame();
    f.map(f.user, VA, p, UDATA);
    freeFrame(f, p);
    reuse(f, p);
    f.mon.operationReturned();
    expect(saf(f)).toHaveLength(1);
    f.m.frames.free(p); // the free ends the episode ...
    f.m.frames.setTag(p, 'data'); // ... and the frame is handed out once more, the old entry still there
    f.mon.operationReturned();
    expect(saf(f)).toHaveLength(1);
  });

  it('a frame parked in an unmapped pool is not reused yet; handed out from it, it is', () => {
    const { f, p } = cachedThenFreed();
    reuse(f, p, FrameState.UnmappedPool);
    f.mon.operationReturned();
    expect(saf(f)).toEqual([]);
    f.book.setState(p, FrameState.Unmapped);
    f.mon.operationReturned();
    expect(saf(f)).toHaveLength(1);
  });

  it('a frame the book has handed out but the machine still counts as free is not judged reused', () => {
    const { f, p } = cachedThenFreed();
    f.book.setState(p, FrameState.Allocated);
    expect(saf(f)).toEqual([]);
  });

  it('a present entry stored before the free and never removed: no CPU, no address, only the frame', () => {
    const f = fixture('x86_64', ['stale-after-free']);
    const p = f.frame();
    f.map(f.user, VA, p, UDATA);
    freeFrame(f, p); // freed while still mapped
    reuse(f, p);
    f.mon.operationReturned();
    const v = saf(f);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: null, address: null, frame: p });
    expect(v[0].explanation).toBe(
      `frame ${p} was freed and reused while a present entry stored before the free still maps it`,
    );
    // The entry removed and flushed: the condition ends, and a second such episode is reported again.
    f.m.clearEntry(f.user, VA, 1);
    for (let c = 0; c < 2; c++) f.m.invlpg(c, VA);
    f.mon.operationReturned();
    expect(saf(f)).toEqual([]);
    f.map(f.user, VA, p, UDATA);
    freeFrame(f, p);
    reuse(f, p);
    f.mon.operationReturned();
    expect(saf(f)).toHaveLength(1);
  });

  it('a present entry and a cached one both from before the free: the cached one is named', () => {
    const f = fixture('x86_64', ['stale-after-free']);
    const p = f.frame();
    f.map(f.user, VA, p, UDATA);
    f.map(f.user, VA + 0x1000, p, UDATA);
    expect(read(f, 1, VA, true)).toBe(0);
    f.m.clearEntry(f.user, VA, 1); // one alias zapped without a flush, the other left present
    freeFrame(f, p);
    reuse(f, p);
    f.mon.operationReturned();
    const v = saf(f);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ address: VA, frame: p });
  });

  it('first honesty rule after reuse: a stale read-only entry under a read-write one for the same frame grants nothing more', () => {
    const f = fixture('x86_64', ['stale-after-free']);
    const p = f.frame();
    f.map(f.user, VA, p, UREAD);
    expect(read(f, 1, VA, true)).toBe(0);
    f.m.clearEntry(f.user, VA, 1);
    freeFrame(f, p);
    f.map(f.user, VA, p, UDATA); // the new owner maps the frame at the same address, writable
    reuse(f, p);
    f.mon.operationReturned();
    expect(saf(f)).toEqual([]);
    // Mapped elsewhere instead, the same stale read-only entry reaches a frame its address no longer maps.
    f.m.clearEntry(f.user, VA, 1);
    for (let c = 0; c < 2; c++) f.m.invlpg(c, VA); // (also drops the old stale record)
    expect(read(f, 1, VA, true)).not.toBe(0);
    const g = fixture('x86_64', ['stale-after-free']);
    const q = g.frame();
    g.map(g.user, VA, q, UREAD);
    expect(read(g, 1, VA, true)).toBe(0);
    g.m.clearEntry(g.user, VA, 1);
    freeFrame(g, q);
    reuse(g, q);
    g.map(g.user, VA + 0x1000, q, UDATA | Pte.XUSER);
    g.mon.operationReturned();
    expect(saf(g)).toHaveLength(1);
  });

  /**
   * Frame p in the kernel's linear map, read there by CPU 1, then its linear-map entry made read-only
   * (set_memory_ro) without a flush — CPU 1 may still hold the writable copy — and p freed and handed out
   * again in `state`.
   */
  function linearAliasThenReused(state: FrameState) {
    const f = fixture('x86_64', ['stale-after-free']);
    const p = f.frame();
    const k = f.m.kernelSpace;
    const dva = f.m.directMapVa(p);
    f.map(k, dva, p, KDATA);
    expect(read(f, 1, dva)).toBe(0);
    f.m.setLeaf(k, dva, 1, p, Pte.PRESENT | Pte.GLOBAL);
    freeFrame(f, p);
    reuse(f, p, state);
    f.mon.operationReturned();
    return { f, p, dva };
  }

  it("the linear map's own stale copy is the new owner's path too: no breach for a frame handed out mapped", () => {
    const { f } = linearAliasThenReused(FrameState.Allocated);
    expect(saf(f)).toEqual([]);
  });

  it('a frame handed out unmapped (__GFP_UNMAPPED): the same stale linear-map copy is the old path, a breach', () => {
    const { f, p, dva } = linearAliasThenReused(FrameState.Unmapped);
    const v = saf(f);
    expect(v).toHaveLength(1);
    // cpu 0: in the adversarial model every CPU may cache a global kernel entry; the report names the first
    expect(v[0]).toMatchObject({ cpu: 0, address: dva, frame: p });
  });

  it('a stale copy of another kernel address mapping the frame is no linear-map alias: a breach', () => {
    const f = fixture('x86_64', ['stale-after-free']);
    const p = f.frame();
    const k = f.m.kernelSpace;
    const kva = f.m.directMapVa(p) + 2 ** 30; // a kernel-half address, not p's linear-map address
    f.map(k, kva, p, KDATA);
    expect(read(f, 1, kva)).toBe(0);
    f.m.clearEntry(k, kva, 1); // vunmap without the flush
    freeFrame(f, p);
    reuse(f, p);
    f.mon.operationReturned();
    expect(saf(f)).toEqual([expect.objectContaining({ cpu: 0, address: kva, frame: p })]);
  });
});
