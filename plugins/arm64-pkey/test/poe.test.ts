import { describe, expect, it } from 'vitest';
import {
  KPKEYS_CTX_DEFAULT,
  KPKEYS_CTX_PGTABLES,
  POE_R,
  POE_RW,
  POE_RWX,
  POE_NONE,
  POR_EL0_INIT,
  porAllows,
  porPerm,
  porWithPerm,
} from '../src/poe.js';

describe('POR values (spec arm64-pkey.md §1.1, §1.3, §2.1)', () => {
  it('default kpkeys context: key 0 RWX, key 1 read-only', () => {
    expect(porPerm(KPKEYS_CTX_DEFAULT, 0)).toBe(POE_RWX);
    expect(porPerm(KPKEYS_CTX_DEFAULT, 1)).toBe(POE_R);
    expect(porAllows(KPKEYS_CTX_DEFAULT, 1, 4)).toBe(false);
  });
  it('page-table context: key 1 RW, never executable', () => {
    expect(porPerm(KPKEYS_CTX_PGTABLES, 1)).toBe(POE_RW);
    expect(porAllows(KPKEYS_CTX_PGTABLES, 1, 2)).toBe(false);
  });
  it('POR_EL0_INIT: RWX for index 0 only', () => {
    expect(porPerm(POR_EL0_INIT, 0)).toBe(POE_RWX);
    for (let k = 1; k < 8; k++) expect(porPerm(POR_EL0_INIT, k)).toBe(POE_NONE);
  });
  it('reserved encodings 0b1xxx behave as no access; key 7 round-trips', () => {
    expect(porPerm(porWithPerm(0, 3, 0xf), 3)).toBe(POE_NONE);
    expect(porPerm(porWithPerm(0, 7, POE_RWX), 7)).toBe(POE_RWX);
  });
});
