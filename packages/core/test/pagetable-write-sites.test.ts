// pagetable-write-protected (arm64 kpkeys page-table hardening, spec arm64-pkey.md): a stray kernel
// write from the default context that lands in a page-table frame — known as one by the frame book or by
// the machine's frame tag — names the writing CPU, the frame's linear-map address, and every such write.
import { describe, expect, it } from 'vitest';
import { FrameState } from '../src/index.js';
import { fixture } from './machine-fixture.js';

describe('pagetable-write-protected sites', () => {
  it('names the writing CPU and the linear-map address; every landed write is its own violation', () => {
    const f = fixture('arm64', ['pagetable-write-protected']);
    const pt = f.m.lookup(f.user, 0).tables[0];
    f.mon.take();
    f.mon.strayWrite(1, pt, null, true);
    f.mon.strayWrite(1, pt, null, true);
    const v = f.mon.take();
    expect(v).toHaveLength(2);
    expect(v[0]).toMatchObject({
      invariant: 'pagetable-write-protected',
      cpu: 1,
      address: f.m.directMapVa(pt),
      frame: pt,
      claimed: true,
    });
    expect(v[0].explanation).toBe(
      `a stray kernel write from the default context landed in page-table frame ${pt}`,
    );
  });

  it('a table known to the frame book only, or to the machine only, is a table', () => {
    const f = fixture('arm64');
    const bookOnly = f.frame();
    f.book.setState(bookOnly, FrameState.PageTable); // allocated as a table, not yet tagged by the machine
    const machineOnly = f.frame();
    f.m.frames.setTag(machineOnly, 'page-table');
    f.mon.take();
    f.mon.strayWrite(0, bookOnly, null, true);
    f.mon.strayWrite(0, machineOnly, null, true);
    expect(f.mon.take().map((v) => v.frame)).toEqual([bookOnly, machineOnly]);
  });
});
