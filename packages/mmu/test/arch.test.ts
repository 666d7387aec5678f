import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pte, arm64, pteFlags, x86_64 } from '../src/index.js';

describe('x86-64 entry encoding (SDM Vol. 3A §4.5, freebsd-amd64.md §1.1)', () => {
  it('P/RW/US/A/D/G at bits 0,1,2,5,6,8, PS at 7 for large leaves, PKEY at 62:59, NX at 63', () => {
    const f = pteFlags({ writable: true, user: true, accessed: true, dirty: true, key: 5 });
    expect(x86_64.encode(f, 0x1234, 1)).toBe((1n << 63n) | (5n << 59n) | (0x1234n << 12n) | 0x67n);
    expect(x86_64.encode(pteFlags({ global: true, xKernel: true }), 1, 2)).toBe(
      (1n << 12n) | (1n << 8n) | (1n << 7n) | 1n,
    );
    // Table pointers: Linux _PAGE_TABLE (P|RW|US|A|D), never NX.
    expect(x86_64.encode(Pte.PRESENT | Pte.TABLE, 7, 2)).toBe((7n << 12n) | 0x67n);
    expect(x86_64.decode((7n << 12n) | 0x67n, 2)).toEqual({ flags: Pte.PRESENT | Pte.TABLE, pfn: 7 });
    expect(x86_64.encode(0, 99, 1)).toBe(0n);
  });

  it('decode inverts encode for leaves at every level', () => {
    fc.assert(
      fc.property(
        fc.record({
          writable: fc.boolean(),
          user: fc.boolean(),
          x: fc.boolean(),
          global: fc.boolean(),
          accessed: fc.boolean(),
          dirty: fc.boolean(),
          key: fc.integer({ min: 0, max: 15 }),
        }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.constantFrom<1 | 2 | 3>(1, 2, 3),
        (b, pfn, level) => {
          // One NX bit: it means user-execute on a user page and kernel-execute on a supervisor page.
          const f = pteFlags({ ...b, xUser: b.user && b.x, xKernel: !b.user && b.x });
          expect(x86_64.decode(x86_64.encode(f, pfn, level), level)).toEqual({ flags: f, pfn });
        },
      ),
      { seed: 21 },
    );
  });

  it('PKRU: bit 2k access-disable, 2k+1 write-disable; fetches unchecked (freebsd-amd64.md §1.2–1.3)', () => {
    expect(x86_64.keyAllows(0b01 << 6, 3, 0)).toBe(false);
    expect(x86_64.keyAllows(0b10 << 6, 3, 0)).toBe(true);
    expect(x86_64.keyAllows(0b10 << 6, 3, 1)).toBe(false);
    expect(x86_64.keyAllows(0b11 << 6, 3, 2)).toBe(true);
    expect(x86_64.keyAllows(0b11 << 6, 2, 1)).toBe(true);
  });
});

describe('arm64 descriptor encoding (Arm ARM D8.3, arm64-pkey.md §1.1)', () => {
  it('page: bits[1:0]=0b11, AP[2:1] at 7:6, AF 10, nG 11, PXN 53, UXN 54, POIndex 62:60', () => {
    const f = pteFlags({ writable: true, user: true, xUser: true, accessed: true, key: 6 });
    // user RW → AP=0b01 (bit 6); non-global → nG; user-exec → UXN clear, PXN set.
    expect(arm64.encode(f, 0x42, 1)).toBe(
      (6n << 60n) | (1n << 53n) | (1n << 11n) | (1n << 10n) | (1n << 6n) | (0x42n << 12n) | 3n,
    );
    // block at level 2: bits[1:0]=0b01; kernel RO global exec: AP=0b10, UXN set.
    expect(arm64.encode(pteFlags({ global: true, xKernel: true }), 0x200, 2)).toBe(
      (1n << 54n) | (1n << 7n) | (0x200n << 12n) | 1n,
    );
    expect(arm64.encode(Pte.PRESENT | Pte.TABLE, 9, 3)).toBe((9n << 12n) | 3n);
    expect(arm64.decode((9n << 12n) | 3n, 3)).toEqual({ flags: Pte.PRESENT | Pte.TABLE, pfn: 9 });
  });

  it('decode inverts encode for leaves at every level', () => {
    fc.assert(
      fc.property(
        fc.record({
          writable: fc.boolean(),
          user: fc.boolean(),
          xUser: fc.boolean(),
          xKernel: fc.boolean(),
          global: fc.boolean(),
          accessed: fc.boolean(),
          dirty: fc.boolean(),
          key: fc.integer({ min: 0, max: 7 }),
        }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.constantFrom<1 | 2 | 3>(1, 2, 3),
        (b, pfn, level) => {
          const f = pteFlags(b);
          expect(arm64.decode(arm64.encode(f, pfn, level), level)).toEqual({ flags: f, pfn });
        },
      ),
      { seed: 22 },
    );
  });

  it('POR Perm fields: R=1 X=2 W=4, 0b1xxx reserved = no access (§1.1)', () => {
    expect(arm64.keyAllows(0x5 << 8, 2, 0)).toBe(true);
    expect(arm64.keyAllows(0x5 << 8, 2, 1)).toBe(true);
    expect(arm64.keyAllows(0x5 << 8, 2, 2)).toBe(false);
    expect(arm64.keyAllows(0xf << 8, 2, 0)).toBe(false);
    expect(arm64.keyAllows(0x2, 0, 2)).toBe(true);
  });
});
