// pfn-release (spec INV-PFN-RELEASE, CVE-2022-39188): after unmap_mapping_range returns, no CPU may
// translate to a revoked PFN. The kernel's linear-map alias is discounted only where it exists: a PFN
// outside the linear map (a device or reserved frame that VM_PFNMAP maps) has none to discount.
import { describe, expect, it } from 'vitest';
import { KDATA, UDATA, UREAD, fixture, read } from './machine-fixture.js';

const VA = 0x400000;

function revokedPfn(withLinearMap: boolean) {
  const f = fixture('x86_64', ['pfn-release']);
  const p = f.frame();
  if (withLinearMap) f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
  f.book.markRevoked([p]);
  f.mon.take();
  return { f, p };
}

const found = (f: ReturnType<typeof fixture>) => f.mon.take().filter((v) => v.invariant === 'pfn-release');

describe('pfn-release: the present entries that count', () => {
  it('one present user entry of a PFN without a linear-map entry is a breach', () => {
    const { f, p } = revokedPfn(false);
    f.map(f.user, VA, p, UREAD);
    expect(found(f).map((v) => [v.frame, v.address, v.cpu])).toEqual([[p, null, null]]);
  });

  it('the linear-map entry alone is no breach; a user entry beside it is', () => {
    const { f, p } = revokedPfn(true);
    f.mon.operationReturned();
    expect(found(f)).toEqual([]);
    f.map(f.user, VA, p, UDATA);
    expect(found(f).map((v) => v.frame)).toEqual([p]);
  });

  it('a stale user entry on another CPU is named by its address, not discounted as the linear map', () => {
    const f = fixture('x86_64', ['pfn-release']);
    const p = f.frame();
    f.map(f.user, VA, p, UDATA);
    expect(read(f, 1, VA, true)).toBe(0);
    f.m.clearEntry(f.user, VA, 1);
    f.book.markRevoked([p]);
    expect(found(f).map((v) => [v.frame, v.address])).toEqual([[p, VA]]);
  });
});
