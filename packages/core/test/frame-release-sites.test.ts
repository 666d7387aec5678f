// The invariants judged when a frame leaves its user — direct-map-default (INV-DMAP-DEFAULT), mermap-free
// (INV-MERMAP-FREE) and pfn-release (INV-PFN-RELEASE) — at their sites: which problem, which address,
// which CPU, and when a raised violation ends so that a recurrence is reported again.
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FRAME_MERMAP, FrameState, type InvariantId, type InvariantViolation } from '../src/index.js';
import { KDATA, UDATA, UREAD, fixture, read } from './machine-fixture.js';

const MODULE_VA = 2 ** 47 + 2 ** 40;
const VA = 0x400000;
type F = ReturnType<typeof fixture>;

function only(f: F, id: InvariantId): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === id);
}

describe('direct-map-default sites', () => {
  function freedWith(flags: number | null) {
    const f = fixture('x86_64', ['direct-map-default']);
    const p = f.frame();
    if (flags !== null) f.map(f.m.kernelSpace, f.m.directMapVa(p), p, flags);
    f.mon.take();
    f.book.setState(p, FrameState.Free);
    return { f, p, v: only(f, 'direct-map-default') };
  }
  it('names the problem of the linear-map entry, its address and the frame', () => {
    const cases: [number | null, string][] = [
      [null, 'not present'],
      [Pte.PRESENT | Pte.GLOBAL, 'read-only'],
      [KDATA | Pte.XKERNEL, 'executable'],
    ];
    for (const [flags, problem] of cases) {
      const { f, p, v } = freedWith(flags);
      expect(v).toHaveLength(1);
      expect(v[0]).toMatchObject({ cpu: null, address: f.m.directMapVa(p), frame: p, claimed: true });
      expect(v[0].explanation).toBe(
        `frame ${p} was returned to the page allocator with its direct-map entry ${problem}`,
      );
    }
  });
  it('a linear-map entry that maps another frame is no entry of this frame', () => {
    const f = fixture('x86_64');
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), f.frame(), KDATA);
    f.book.setState(p, FrameState.Free);
    expect(only(f, 'direct-map-default')[0]?.explanation).toContain('not present');
  });
  it('ends when the frame is handed out again, and a second bad free is reported again', () => {
    const { f, p } = freedWith(Pte.PRESENT | Pte.GLOBAL);
    f.book.setState(p, FrameState.Allocated);
    f.book.setState(p, FrameState.Free);
    expect(only(f, 'direct-map-default')).toHaveLength(1);
    // With the default entry restored (set_direct_map_default_noflush) the next free is clean, and ends it.
    f.book.setState(p, FrameState.Allocated);
    f.m.setLeaf(f.m.kernelSpace, f.m.directMapVa(p), 1, p, KDATA);
    f.book.setState(p, FrameState.Free);
    expect(only(f, 'direct-map-default')).toEqual([]);
    f.book.setState(p, FrameState.Allocated);
    f.m.setLeaf(f.m.kernelSpace, f.m.directMapVa(p), 1, p, Pte.PRESENT | Pte.GLOBAL);
    f.book.setState(p, FrameState.Free);
    expect(only(f, 'direct-map-default')).toHaveLength(1);
  });
});

describe('mermap-free sites', () => {
  const win = { start: MODULE_VA, end: MODULE_VA + 16 * 4096 };
  function withWindow(claims: InvariantId[] = ['mermap-free']) {
    const f = fixture('x86_64', claims, { window: (n) => (n === 'linux.mermap' ? win : undefined) });
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    return { f, p };
  }
  it('the frame still marked as in the mermap: no CPU, no address', () => {
    const { f, p } = withWindow();
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.book.setState(p, FrameState.UnmappedPool); // freed to an unmapped pool counts as freed too
    const v = only(f, 'mermap-free');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: null, address: null, frame: p, claimed: true });
    expect(v[0].explanation).toBe(`frame ${p} was freed while still mapped in the mermap`);
  });
  it('a cached entry inside the window: its holder and address; one just past the window does not count', () => {
    const { f, p } = withWindow();
    const other = f.m.createSpace(2, f.table);
    f.m.setRoot(0, other); // kernel entries are global: CPU 0 may still hold them
    for (const [va, expectRaise] of [
      [win.end, false],
      [win.end - 4096, true],
    ] as const) {
      f.map(f.m.kernelSpace, va, p, KDATA);
      expect(read(f, 1, va)).toBe(0);
      f.m.clearEntry(f.m.kernelSpace, va, 1); // mermap_put without the flush
      f.mon.take();
      f.book.setState(p, FrameState.Free);
      const v = only(f, 'mermap-free');
      if (!expectRaise) {
        expect(v).toEqual([]);
        for (let c = 0; c < 2; c++) f.m.invlpg(c, va);
        f.book.setState(p, FrameState.Allocated);
        continue;
      }
      expect(v).toHaveLength(1);
      expect(v[0]).toMatchObject({ address: va, frame: p });
      expect([0, 1]).toContain(v[0].cpu);
      expect(v[0].explanation).toBe(
        `frame ${p} was freed while a mermap entry for 0x${va.toString(16)} may still be cached`,
      );
    }
  });
  it('ends when the frame is allocated again; a policy without the window judges only the mark', () => {
    const { f, p } = withWindow();
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.book.setState(p, FrameState.Free);
    f.book.setState(p, FrameState.Allocated);
    f.book.setState(p, FrameState.Free);
    expect(only(f, 'mermap-free')).toHaveLength(2);
    const g = fixture('x86_64');
    const q = g.frame();
    g.map(g.m.kernelSpace, MODULE_VA, q, KDATA);
    expect(read(g, 1, MODULE_VA)).toBe(0);
    g.m.clearEntry(g.m.kernelSpace, MODULE_VA, 1);
    g.book.setState(q, FrameState.Free);
    expect(only(g, 'mermap-free')).toEqual([]);
  });
});

describe('pfn-release sites', () => {
  function revoked(flush: boolean) {
    const f = fixture('x86_64', ['pfn-release']);
    const other = f.m.createSpace(2, f.table);
    f.m.setRoot(0, other);
    f.m.invpcid(0, 1, 1); // only CPU 1 may hold PCID 1's entries
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    f.map(f.user, VA, p, UDATA);
    expect(read(f, 1, VA, true)).toBe(0);
    f.m.clearEntry(f.user, VA, 1); // zap_page_range_single
    if (flush) f.m.invlpg(1, VA);
    f.mon.take();
    f.book.markRevoked([p]);
    return { f, p };
  }
  it('a stale user entry: its holder and address', () => {
    const { f, p } = revoked(false);
    const v = only(f, 'pfn-release');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: 1, address: VA, frame: p, claimed: true });
    expect(v[0].explanation).toBe(
      `PFN ${p} was revoked but a stale entry for 0x400000 may still translate to it`,
    );
  });
  it('the kernel’s own linear-map alias, present or stale, does not count', () => {
    const { f, p } = revoked(true);
    expect(only(f, 'pfn-release')).toEqual([]);
    const dm = f.m.directMapVa(p);
    expect(read(f, 1, dm)).toBe(0);
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, Pte.PRESENT | Pte.GLOBAL); // a stale RW linear-map entry now
    expect(only(f, 'pfn-release')).toEqual([]);
  });
  it('a present entry mapped after the revocation: no CPU, no address; ends once unmapped and flushed', () => {
    const { f, p } = revoked(true);
    f.map(f.user, 0x800000, p, UREAD);
    const v = only(f, 'pfn-release');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: null, address: null, frame: p });
    expect(v[0].explanation).toBe(`PFN ${p} was revoked but a present entry still maps it`);
    f.m.clearEntry(f.user, 0x800000, 1);
    for (let c = 0; c < 2; c++) f.m.invlpg(c, 0x800000);
    f.mon.operationReturned();
    expect(only(f, 'pfn-release')).toEqual([]);
    f.map(f.user, 0x800000, p, UREAD); // again: a new violation
    expect(only(f, 'pfn-release')).toHaveLength(1);
  });
  it('a frame that is not revoked is not judged, whatever maps it', () => {
    const f = fixture('x86_64', ['pfn-release']);
    const p = f.frame();
    f.map(f.user, VA, p, UDATA);
    f.book.markRevoked([]);
    f.mon.operationReturned();
    expect(only(f, 'pfn-release')).toEqual([]);
  });
});
