// INV-FREED-PT and pagetable-reuse when the path to a freed page-table frame is a parent entry still in
// a live tree, not a walk-cache entry (DESIGN §3): a CPU walking the address reads whatever the frame
// holds next; once the frame is linked at a new place, that walk lands in the new owner's table.
import { describe, expect, it } from 'vitest';
import { UDATA, fixture, freeFrame } from './machine-fixture.js';
import { FrameState } from '../src/index.js';

const VA = 0x400000;

function freedWhileLinked() {
  const f = fixture('x86_64', ['freed-pagetable-walk', 'pagetable-reuse']);
  const p = f.frame();
  f.map(f.user, VA, p, UDATA);
  const pt = f.m.lookup(f.user, VA).tables[3];
  // No CPU has cached anything: only the parent entry (in the tree both CPUs run) leads to the table.
  f.mon.take();
  freeFrame(f, pt);
  f.mon.operationReturned();
  return { f, pt };
}

describe('a page-table frame freed while its parent entry still points at it', () => {
  it('freed-pagetable-walk names the frame, a CPU that walks the space and the address', () => {
    const { f, pt } = freedWhileLinked();
    const v = f.mon.take().filter((x) => x.invariant === 'freed-pagetable-walk');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ claimed: true, cpu: 0, address: VA, frame: pt });
    expect(v[0].explanation).toContain('a parent entry');
    // Still true at the next return: not reported twice.
    f.mon.operationReturned();
    expect(f.mon.take().filter((x) => x.invariant === 'freed-pagetable-walk')).toEqual([]);
  });

  it('pagetable-reuse once the frame is linked at a new place', () => {
    const { f, pt } = freedWhileLinked();
    f.mon.take();
    f.m.frames.setTag(pt, 'page-table');
    f.book.setState(pt, FrameState.PageTable);
    f.m.ensurePath(f.user, 0x40000000, 2, f.table);
    f.m.setTable(f.user, 0x40000000, 2, pt);
    f.mon.operationReturned();
    const v = f.mon.take().filter((x) => x.invariant === 'pagetable-reuse');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ claimed: true, address: VA, frame: pt });
    expect(v[0].explanation).toContain('the parent entry');
  });
});
