// Invariants over the stage-2 and EL2 regimes: stale stage-2 entries count while a guest of their VMID
// runs (DESIGN §3's second honesty rule, through the machine's tagLoaded), and `duplicate-id`
// (Casemate model.c activate_ttbr, examples/tests/bad_overlap_VMID.c).
import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte } from '@shootdown/mmu';
import { FrameState } from '../src/index.js';
import { fixture, freeFrame } from './machine-fixture.js';

const IPA = 0x80000000;

function guest(claims: Parameters<typeof fixture>[1]) {
  const f = fixture('arm64', claims);
  const vm0 = f.m.createStage2Space(0, f.table);
  const p = f.frame();
  f.map(vm0, IPA, p, Pte.WRITABLE);
  f.m.enterRegime(1, { el: 1, vttbr: vm0 });
  expect(f.m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
  f.m.enterRegime(0, { el: 2, vttbr: vm0 });
  return { f, vm0, p };
}

describe('stale-after-free through a guest (combined stage 1+2 entries)', () => {
  for (const only of ['IPAS2E1', 'VMALLE1'] as const) {
    it(`breaks when the hypervisor frees the page after TLBI ${only}IS alone`, () => {
      const { f, vm0, p } = guest(['stale-after-free']);
      f.m.clearEntry(vm0, IPA, 1);
      f.m.tlbi(0, only, only === 'IPAS2E1' ? { va: IPA } : {});
      f.m.dsb(0);
      f.mon.take();
      freeFrame(f, p);
      f.m.frames.setTag(p, 'data');
      f.book.setState(p, FrameState.Allocated);
      f.mon.operationReturned();
      // IPAS2E1 leaves the combined entry; VMALLE1 the stage-2-only one, which counts while CPU 1 runs
      // a guest of VMID 0 (its current tag is the combined one).
      expect(f.ids()).toContain('stale-after-free');
    });
  }
  it('holds when VMALLE1IS followed it, as KVM does', () => {
    const { f, vm0, p } = guest(['stale-after-free']);
    f.m.clearEntry(vm0, IPA, 1);
    f.m.tlbi(0, 'IPAS2E1', { va: IPA });
    f.m.dsb(0);
    f.m.tlbi(0, 'VMALLE1');
    f.m.dsb(0);
    f.mon.take();
    freeFrame(f, p);
    f.m.frames.setTag(p, 'data');
    f.book.setState(p, FrameState.Allocated);
    f.mon.operationReturned();
    expect(f.ids()).not.toContain('stale-after-free');
  });
});

describe('duplicate-id', () => {
  it('breaks when a VMID is loaded with a second root while a guest CPU may hold the first root’s entries', () => {
    const { f } = guest(['duplicate-id']);
    const other = f.m.createStage2Space(0, f.table);
    f.mon.take();
    f.m.enterRegime(0, { el: 2, vttbr: other });
    const v = f.mon.take().filter((x) => x.invariant === 'duplicate-id');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ claimed: true, cpu: 0 });
  });
  it('holds when the VMID was invalidated everywhere first (VMALLS12E1IS + DSB), or the root is the same', () => {
    const { f, vm0 } = guest(['duplicate-id']);
    const same = f.m.createStage2Space(0, f.m.rootOf(vm0));
    f.m.enterRegime(0, { el: 2, vttbr: same });
    f.m.exitRegime(1);
    f.m.tlbi(0, 'VMALLS12E1');
    f.m.dsb(0);
    const other = f.m.createStage2Space(0, f.table);
    f.mon.take();
    f.m.enterRegime(0, { el: 2, vttbr: other });
    expect(f.mon.take().filter((x) => x.invariant === 'duplicate-id')).toHaveLength(0);
  });
});
