// pkey-tag (spec INV-PKEY-TAG: a cached entry carries another protection key than the current entry for
// the same address and frame) at its site, and what it is not: another frame or no entry at all is some
// other invariant's question, the same key with other rights is no key change, and a record under a PCID
// no holder has loaded counts only once it is loaded again without a flush (DESIGN §3).
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import type { InvariantViolation } from '../src/index.js';
import { UDATA, UREAD, fixture, read } from './machine-fixture.js';

const VA = 0x400000;
const key = (k: number): number => k << Pte.KEY_SHIFT;
type F = ReturnType<typeof fixture>;

function tags(f: F): InvariantViolation[] {
  f.mon.operationReturned();
  return f.mon.take().filter((v) => v.invariant === 'pkey-tag');
}

/** Frame `p` mapped at VA with key 1 and cached by CPU 1 only (CPU 0 runs another PCID). */
function keyedAndCached() {
  const f = fixture('x86_64', ['pkey-tag']);
  const other = f.m.createSpace(2, f.table);
  f.m.setRoot(0, other);
  f.m.invpcid(0, 1, 1);
  const p = f.frame();
  f.map(f.user, VA, p, UDATA | key(1));
  expect(read(f, 1, VA, true)).toBe(0);
  f.mon.take();
  return { f, p, other };
}

describe('pkey-tag sites', () => {
  it('pkey_mprotect without the flush: the holder, the address, the frame, both keys', () => {
    const { f, p } = keyedAndCached();
    f.m.setLeaf(f.user, VA, 1, p, UDATA | key(2));
    const v = tags(f);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: 1, address: VA, frame: p, claimed: true });
    expect(v[0].explanation).toBe('a cached entry for 0x400000 carries key 1, the current entry key 2');
    expect(tags(f)).toEqual([]); // still true at the next return: reported once
  });

  it('the same key with fewer rights is no key change', () => {
    const { f, p } = keyedAndCached();
    f.m.setLeaf(f.user, VA, 1, p, UREAD | key(1));
    expect(tags(f)).toEqual([]);
  });

  it('a cached entry whose address now maps another frame, or nothing, is not a key mismatch', () => {
    const { f } = keyedAndCached();
    f.m.setLeaf(f.user, VA, 1, f.frame(), UDATA | key(2));
    expect(tags(f)).toEqual([]);
    const g = keyedAndCached();
    g.f.m.clearEntry(g.f.user, VA, 1);
    expect(tags(g.f)).toEqual([]);
  });

  it('latent while its holder runs another PCID; back (and reported again) when PCID 1 is reloaded unflushed', () => {
    const { f, p, other } = keyedAndCached();
    f.m.setLeaf(f.user, VA, 1, p, UDATA | key(2));
    expect(tags(f)).toHaveLength(1);
    f.m.setRoot(1, other, { noflush: true });
    expect(tags(f)).toEqual([]);
    f.m.setRoot(1, f.user, { noflush: true });
    expect(tags(f)).toHaveLength(1);
    for (let c = 0; c < 2; c++) f.m.invlpg(c, VA);
    expect(tags(f)).toEqual([]);
    // A second pkey_mprotect without the flush is a new violation.
    expect(read(f, 1, VA, true)).toBe(0);
    f.m.setLeaf(f.user, VA, 1, p, UDATA | key(3));
    const v = tags(f);
    expect(v).toHaveLength(1);
    expect(v[0].explanation).toBe('a cached entry for 0x400000 carries key 2, the current entry key 3');
  });
});

describe('pkey-tag on a split TLB', () => {
  // The generic flush of a Harvard TLB skips the instruction side of a VMA without VM_EXEC (tlb-v6.S
  // v6wbi_flush_user_tlb_range), so an instruction-side copy of the old entry survives a key change.
  function instructionSideOnly(arch: 'x86_64' | 'arm64') {
    const f = fixture(arch, ['pkey-tag'], { tlbSides: 'split' });
    const p = f.frame();
    f.map(f.user, VA, p, UDATA | key(1));
    f.mon.take();
    f.m.setLeaf(f.user, VA, 1, p, UDATA | key(2));
    return { f, p };
  }

  it('x86: keys do not gate instruction fetches (Intel SDM vol. 3A §4.6.2), so an I-side copy decides nothing', () => {
    const { f } = instructionSideOnly('x86_64');
    // Both sides of both CPUs may hold the old entry (adversarial TLB); the data sides are flushed.
    for (const c of [0, 1]) f.m.flushPageSide(c, VA, 'data');
    expect(f.m.staleLeaf.live).toBe(1);
    expect(tags(f)).toEqual([]);
  });

  it('x86: a data-side copy still counts, and names its holder', () => {
    const { f, p } = instructionSideOnly('x86_64');
    f.m.flushPageSide(0, VA, 'both');
    f.m.flushPageSide(1, VA, 'instr');
    const v = tags(f);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: 1, address: VA, frame: p });
  });

  it('arm64: POE gates instruction fetches too, so the I-side copy still carries a key that decides', () => {
    const { f } = instructionSideOnly('arm64');
    for (const c of [0, 1]) f.m.flushPageSide(c, VA, 'data');
    expect(tags(f)).toHaveLength(1);
  });
});
