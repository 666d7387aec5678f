// double-use (Casemate's "double-use pte", rems-project/casemate src/lib/src/model.c `mark_cb`) at each
// kind of second link: still linked elsewhere (once or twice), unlinked without TLBI + DSB, in the kernel
// half, and from a table not (yet) part of any tree — and not when the frame was freed in between.
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FrameState, type InvariantViolation } from '../src/index.js';
import { fixture, freeFrame } from './machine-fixture.js';

const PMD = 0x200000;
const A = 0x400000 - (0x400000 % PMD);
const B = 0x40000000;
const C = 0x80000000;

function doubleUse(f: ReturnType<typeof fixture>): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === 'double-use');
}

/** A fresh level-1 table linked at `A` of the user space, paths to `B` and `C` prepared. */
function linkedOnce() {
  const f = fixture('arm64', ['double-use']);
  for (const va of [A, B, C]) f.m.ensurePath(f.user, va, 2, f.table);
  const pt = f.table();
  f.m.setTable(f.user, A, 2, pt);
  f.mon.take();
  return { f, pt };
}

describe('double-use sites', () => {
  it('each further link while the table is still linked is its own violation, counting the other places', () => {
    const { f, pt } = linkedOnce();
    f.m.setTable(f.user, B, 2, pt);
    const second = doubleUse(f);
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ cpu: null, address: B, frame: pt, claimed: true });
    expect(second[0].explanation).toBe(
      `page-table frame ${pt} was linked at 0x40000000 while it is still linked at 1 other place`,
    );
    f.m.setTable(f.user, C, 2, pt);
    const third = doubleUse(f);
    expect(third).toHaveLength(1);
    expect(third[0]).toMatchObject({ address: C, frame: pt });
    expect(third[0].explanation).toBe(
      `page-table frame ${pt} was linked at 0x80000000 while it is still linked at 2 other places`,
    );
  });

  it('a link after an unlink without TLBI + DSB names the walk cache that may still point at it', () => {
    const { f, pt } = linkedOnce();
    f.m.clearEntry(f.user, A, 2);
    f.m.setTable(f.user, B, 2, pt);
    const v = doubleUse(f);
    expect(v).toHaveLength(1);
    expect(v[0].explanation).toBe(
      `page-table frame ${pt} was linked at 0x40000000 while its previous link was removed without TLBI + DSB (a walk-cache entry may still point at it)`,
    );
  });

  it('a table freed while still linked and then linked again is pagetable-reuse, not double-use', () => {
    const { f, pt } = linkedOnce();
    freeFrame(f, pt); // freed without being unlinked: the parent entry at A still points at it
    f.m.frames.setTag(pt, 'page-table');
    f.book.setState(pt, FrameState.PageTable);
    f.m.setTable(f.user, B, 2, pt);
    expect(doubleUse(f)).toEqual([]);
    f.mon.operationReturned();
    expect(f.ids()).toContain('pagetable-reuse');
  });

  it('in the kernel half (address space 0) the site still names the address', () => {
    const f = fixture('arm64', ['double-use']);
    const k = f.m.kernelSpace;
    const base = f.m.arch.layout.vmallocBase;
    f.m.ensurePath(k, base, 2, f.table);
    f.m.ensurePath(k, base + PMD, 2, f.table);
    const pt = f.table();
    f.m.setTable(k, base, 2, pt);
    f.mon.take();
    f.m.setTable(k, base + PMD, 2, pt);
    const v = doubleUse(f);
    expect(k).toBe(0);
    expect(v).toHaveLength(1);
    expect(v[0].address).toBe(base + PMD);
    expect(v[0].explanation).toBe(
      `page-table frame ${pt} was linked at 0x${(base + PMD).toString(16)} while it is still linked at 1 other place`,
    );
  });

  it('a pointer stored in a table no tree links yet has no address to name', () => {
    const { f, pt } = linkedOnce();
    // A level-2 table filled before it is linked (the hardware-level store into an unlinked table).
    const fresh = f.m.lookup(f.user, C).tables[2];
    f.m.clearEntry(f.user, C - (C % 0x40000000), 3); // unlink it: no tree reaches it now
    f.mon.take();
    f.m.storeInTable(fresh, 1, Pte.PRESENT | Pte.TABLE, pt);
    const v = doubleUse(f);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ address: null, frame: pt });
    expect(v[0].explanation).toBe(
      `page-table frame ${pt} was linked while it is still linked at 1 other place`,
    );
  });
});
