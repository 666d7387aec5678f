// freed-pagetable-walk (spec INV-FREED-PT) and pagetable-reuse at their sites: which CPU may walk into
// the freed table, through which address, by which path (a walk-cache entry pointing at the table, or a
// table below a stale walk-cache entry), and when they stop and start again (DESIGN §3, second honesty
// rule: entries under a PCID no holder has loaded are latent until it is loaded again without a flush).
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FrameState, type InvariantId, type InvariantViolation } from '../src/index.js';
import { UDATA, fixture, freeFrame, read } from './machine-fixture.js';

const VA = 0x400000;
const B = 0x40000000;
type F = ReturnType<typeof fixture>;

function only(f: F, id: InvariantId): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === id);
}

/** The PTE table of VA (x86-64), cached by CPU 1 only, unlinked without a flush and freed. */
function freedUnderStaleWalk() {
  const f = fixture('x86_64', ['freed-pagetable-walk', 'pagetable-reuse']);
  const other = f.m.createSpace(2, f.table);
  f.m.setRoot(0, other);
  f.m.invpcid(0, 1, 1); // CPU 0 keeps nothing of PCID 1
  const p = f.frame();
  f.map(f.user, VA, p, UDATA);
  expect(read(f, 1, VA, true)).toBe(0); // CPU 1's walk caches now point at the PTE table
  const pte = f.m.lookup(f.user, VA).tables[3];
  f.m.clearEntry(f.user, VA, 1);
  f.m.clearEntry(f.user, VA, 2); // free_pte_range: pmd_clear, the TLB flush still owed
  freeFrame(f, pte);
  f.mon.take();
  f.mon.operationReturned();
  return { f, pte, other };
}

/** Link the freed frame `t` as a level-1 table at B (a new place in the live tree). */
function relinkAtB(f: F, t: number): void {
  f.m.frames.setTag(t, 'page-table');
  f.book.setState(t, FrameState.PageTable);
  f.m.ensurePath(f.user, B, 2, f.table);
  f.m.setTable(f.user, B, 2, t);
}

describe('freed-pagetable-walk sites', () => {
  it('names the CPU holding the walk-cache entry, the address it translates and the frame', () => {
    const { f, pte } = freedUnderStaleWalk();
    const v = only(f, 'freed-pagetable-walk');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: 1, address: VA, frame: pte, claimed: true });
    expect(v[0].explanation).toBe(
      `page-table frame ${pte} was freed but a walk-cache entry for 0x400000 may still point at it`,
    );
  });

  it('of two unflushed walk-cache entries, only the one whose table was freed since is reported', () => {
    const { f } = freedUnderStaleWalk();
    f.mon.take();
    const q = f.frame();
    f.map(f.user, B, q, UDATA);
    expect(read(f, 1, B, true)).toBe(0);
    f.m.clearEntry(f.user, B, 2); // a second PTE table unlinked without a flush, not freed
    f.mon.operationReturned();
    expect(f.ids()).toEqual([]); // the first frame is still raised; the second was never freed
  });

  it('stops while CPU 1 runs another PCID, and is reported again when PCID 1 is reloaded without a flush', () => {
    const { f, other } = freedUnderStaleWalk();
    f.mon.take();
    f.m.setRoot(1, other, { noflush: true });
    f.mon.operationReturned();
    expect(f.ids()).toEqual([]);
    f.m.setRoot(1, f.user, { noflush: true });
    f.mon.operationReturned();
    expect(f.ids()).toEqual(['freed-pagetable-walk']);
    f.mon.operationReturned(); // still true: not reported twice
    expect(f.ids()).toEqual([]);
  });

  it('a freed table still linked under a table that only a stale walk-cache entry reaches', () => {
    // CPU 1 caches the PUD entry of VA; the PUD entry is cleared without a flush, then a new PTE table is
    // stored into the (now unlinked) PMD table and freed: a walk of 0x600000 on CPU 1 goes through the
    // cached PUD entry, reads the PMD table's entry 3 and lands in the freed frame.
    const f = fixture('x86_64', ['freed-pagetable-walk', 'pagetable-reuse']);
    const p = f.frame();
    f.map(f.user, VA, p, UDATA);
    expect(read(f, 1, VA, true)).toBe(0);
    const pmd = f.m.lookup(f.user, VA).tables[2];
    f.m.clearEntry(f.user, 0, 3);
    const t = f.table();
    f.m.storeInTable(pmd, 3, Pte.PRESENT | Pte.TABLE, t);
    freeFrame(f, t);
    f.mon.take();
    f.mon.operationReturned();
    const v = only(f, 'freed-pagetable-walk');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ address: 0x600000, frame: t });
    expect([0, 1]).toContain(v[0].cpu);
    expect(v[0].explanation).toBe(
      `page-table frame ${t} was freed while a table below a stale walk-cache entry still points at it; a walk of 0x600000 reaches it`,
    );
    expect(f.ids()).not.toContain('pagetable-reuse'); // not linked anywhere new

    relinkAtB(f, t);
    f.mon.operationReturned();
    const r = only(f, 'pagetable-reuse');
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ address: 0x600000, frame: t, claimed: true });
    expect(r[0].explanation).toBe(
      `frame ${t} is a linked page table again while a table below a stale walk-cache entry from before its free still points at it (walk of 0x600000)`,
    );
  });
});

describe('pagetable-reuse sites', () => {
  it('a freed table that is not linked again is not reused', () => {
    const { f } = freedUnderStaleWalk();
    expect(f.ids()).not.toContain('pagetable-reuse');
    f.mon.operationReturned();
    expect(f.ids()).not.toContain('pagetable-reuse');
  });

  it('a table freed while still linked inside a table that was itself unlinked is freed, not reused', () => {
    // The PUD entry of VA is cleared without a flush; the PTE table stays linked in the (now unlinked) PMD
    // table and is freed. Its only link predates the free: no tree holds it at a new place.
    const f = fixture('x86_64', ['freed-pagetable-walk', 'pagetable-reuse']);
    const p = f.frame();
    f.map(f.user, VA, p, UDATA);
    expect(read(f, 1, VA, true)).toBe(0);
    const pte = f.m.lookup(f.user, VA).tables[3];
    f.m.clearEntry(f.user, 0, 3);
    freeFrame(f, pte);
    f.mon.operationReturned();
    expect(f.ids().filter((id) => id !== 'direct-map-default')).toEqual(['freed-pagetable-walk']);
    relinkAtB(f, pte); // now it is linked again, under the stale walk-cache entries of its old place
    f.mon.operationReturned();
    expect(f.ids()).toEqual(['pagetable-reuse']);
  });

  it('linked at a new place under the stale entry: the holder, the stale address, the frame', () => {
    const { f, pte } = freedUnderStaleWalk();
    relinkAtB(f, pte);
    f.mon.operationReturned();
    const v = only(f, 'pagetable-reuse');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: 1, address: VA, frame: pte, claimed: true });
    expect(v[0].explanation).toBe(
      `frame ${pte} is a linked page table again while a stale walk-cache entry for 0x400000 still points at it`,
    );
    f.mon.operationReturned(); // still true: not reported twice
    expect(f.ids()).toEqual([]);
  });

  it('a table unlinked without a flush and linked elsewhere without a free is double-use, not reuse', () => {
    const f = fixture('x86_64', ['freed-pagetable-walk', 'pagetable-reuse']);
    const p = f.frame();
    f.map(f.user, VA, p, UDATA);
    expect(read(f, 1, VA, true)).toBe(0);
    const pte = f.m.lookup(f.user, VA).tables[3];
    f.m.clearEntry(f.user, VA, 2); // unlinked, the walk caches still point at it; never freed
    f.m.ensurePath(f.user, B, 2, f.table);
    f.m.setTable(f.user, B, 2, pte);
    f.mon.operationReturned();
    expect(f.ids()).toEqual(['double-use']);
  });

  it('is latent while the holder runs another PCID, reported again once PCID 1 is back unflushed, gone after the flush', () => {
    const { f, pte, other } = freedUnderStaleWalk();
    relinkAtB(f, pte);
    f.mon.operationReturned();
    expect(f.ids()).toContain('pagetable-reuse');
    f.m.setRoot(1, other, { noflush: true });
    f.mon.operationReturned();
    expect(f.ids()).toEqual([]);
    f.m.setRoot(1, f.user, { noflush: true });
    f.mon.operationReturned();
    expect(f.ids().sort()).toEqual(['freed-pagetable-walk', 'pagetable-reuse']);
    f.m.invpcid(1, 1, 1);
    f.mon.operationReturned();
    expect(f.ids()).toEqual([]);
    f.m.setRoot(1, other, { noflush: true });
    f.m.setRoot(1, f.user, { noflush: true });
    f.mon.operationReturned();
    expect(f.ids()).toEqual([]); // flushed: nothing comes back
  });
});
