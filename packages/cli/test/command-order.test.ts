// commandOrder (src/command-order.ts) must order every pair of command ids as localeCompare does, which is
// what oclif's own sort used (test/command-order-locales.test.ts checks it under other locales).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandOrder } from '../src/command-order.js';

const sign = (n: number): number => Math.sign(n);

describe('commandOrder', () => {
  it('agrees with localeCompare on ids of lowercase letters, colons and hyphens', () => {
    const id = fc
      .array(fc.constantFrom(...'abcdehijlmnprsuyz:-'.split('')), { maxLength: 12 })
      .map((c) => c.join(''));
    fc.assert(
      fc.property(id, id, (x, y) => {
        expect(sign(commandOrder(x, y))).toBe(sign(x.localeCompare(y)));
      }),
      { numRuns: 5000, seed: 14 },
    );
  });

  it('agrees with localeCompare on other ids too (capitals, digits, other characters)', () => {
    const id = fc.string({ unit: fc.constantFrom(...'aZ09:-_.éß '.split('')), maxLength: 8 });
    fc.assert(
      fc.property(id, id, (x, y) => {
        expect(sign(commandOrder(x, y))).toBe(sign(x.localeCompare(y)));
      }),
      { numRuns: 2000, seed: 14 },
    );
    // where code units and ICU disagree: ':' sorts before digits in ICU, after them in code units
    expect(sign(commandOrder('a:b', 'a0'))).toBe(sign('a:b'.localeCompare('a0')));
  });

  it('sorts the CLI’s command ids as oclif did', () => {
    const ids = [
      'run',
      'import:herd',
      'compare',
      'plugins:install',
      'import:casemate',
      'plugins',
      'autocomplete',
      'help',
    ];
    expect([...ids].sort(commandOrder)).toEqual([...ids].sort((a, b) => a.localeCompare(b)));
  });
});
