// cross-mm-alias — the mermap isolation question (RFC mm/mermap.c: the window is "physically local to the
// current mm … the caller must not map memory here that doesn't belong to the current process";
// arch/x86/include/asm/mermap.h arch_mermap_pgprot_allowed rejects _PAGE_GLOBAL). Hand-built states: one
// frame in an mm-local window of one space, and a second path to it.
import 'reflect-metadata';
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FRAME_MERMAP } from '../src/index.js';
import { UDATA, fixture, read } from './machine-fixture.js';

const WINDOW = 0x7f8000000000; // the x86 mermap region: top of the user half, supervisor-only
const win = { start: WINDOW, end: WINDOW + 512 * 4096 };
const MERMAP_PTE = Pte.PRESENT | Pte.WRITABLE; // non-global, not user

function setup() {
  const f = fixture('x86_64', ['cross-mm-alias'], {
    window: (n) => (n === 'linux.mermap' ? win : undefined),
  });
  const other = f.m.createSpace(2, f.table);
  const p = f.frame();
  return { f, other, p };
}

describe('cross-mm-alias', () => {
  it("breaks when a frame in one mm's mermap window is also mapped in another process", () => {
    const { f, other, p } = setup();
    f.map(other, 0x400000, p, UDATA); // the frame belongs to the other process
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE); // mermap_get of a page that is not the current process's
    const v = f.mon.take().filter((x) => x.invariant === 'cross-mm-alias');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ frame: p, address: 0x400000, claimed: true });
  });

  it('holds when the only other path is the same process (its own page, as the RFC requires)', () => {
    const { f, p } = setup();
    f.map(f.user, 0x400000, p, UDATA);
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE);
    expect(read(f, 1, WINDOW)).toBe(0);
    expect(f.ids()).not.toContain('cross-mm-alias');
  });

  for (const global of [true, false]) {
    it(`${global ? 'breaks' : 'holds'} when a ${global ? 'global' : 'non-global'} window entry stays cached after mermap_put`, () => {
      const { f, p } = setup();
      f.book.setFlag(p, FRAME_MERMAP, true);
      f.map(f.user, WINDOW, p, MERMAP_PTE | (global ? Pte.GLOBAL : 0));
      expect(read(f, 1, WINDOW)).toBe(0);
      f.m.clearEntry(f.user, WINDOW, 1); // mermap_put: sentinel, no flush
      f.mon.operationReturned(); // the stale record of the cleared entry is the MMU's bookkeeping after the store
      // A global entry survives the next CR3 switch; one under the mm's PCID does not reach another mm.
      expect(f.ids().includes('cross-mm-alias')).toBe(global);
    });
  }

  it('ignores the kernel half (the linear map reaches every frame) and frames outside any window', () => {
    const { f, other, p } = setup();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, Pte.PRESENT | Pte.WRITABLE | Pte.GLOBAL);
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.map(f.user, WINDOW, p, MERMAP_PTE);
    const q = f.frame();
    f.map(f.user, 0x400000, q, UDATA);
    f.map(other, 0x400000, q, UDATA); // shared between processes, but nobody holds it privately
    expect(f.ids()).not.toContain('cross-mm-alias');
  });
});
