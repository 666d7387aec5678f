// NumberMap (open addressing, backward-shift deletion) answers exactly as a JS Map over any sequence of
// sets, exchanges (set, answering the value before), deletes and gets — keys shaped like StaleSet's (VA index × 2^17 + tag, up to 2^53) and small frame
// numbers, few distinct so that runs of colliding keys form and are broken by deletes, and many, so that
// the table grows while entries come and go.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ABSENT, NumberMap } from '../src/number-map.js';
import { propertyRuns } from './helpers.js';

type Op = { kind: 'set' | 'exchange' | 'delete' | 'get'; key: number; value: number };

const staleShaped = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 36 - 1 }), fc.integer({ min: 0, max: 2 ** 17 - 1 }))
  .map(([index, tag]) => index * 131072 + tag);

function ops(keys: fc.Arbitrary<number>): fc.Arbitrary<Op[]> {
  return fc.array(
    fc.record({
      kind: fc.constantFrom<Op['kind']>('set', 'exchange', 'delete', 'get'),
      key: keys,
      value: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    }),
    { maxLength: 400 },
  );
}

function replay(list: Op[], step = 1): void {
  const map = new NumberMap(undefined, 16, step);
  const ref = new Map<number, number>();
  for (const op of list) {
    if (op.kind === 'set') {
      map.set(op.key, op.value);
      ref.set(op.key, op.value);
    } else if (op.kind === 'exchange') {
      expect(map.exchange(op.key, op.value)).toBe(ref.get(op.key) ?? ABSENT);
      ref.set(op.key, op.value);
    } else if (op.kind === 'delete') {
      map.delete(op.key);
      ref.delete(op.key);
    }
    expect(map.get(op.key)).toBe(ref.get(op.key) ?? ABSENT);
    expect(map.size).toBe(ref.size);
  }
  for (const [k, v] of ref) expect(map.get(k)).toBe(v);
}

describe('NumberMap', () => {
  it('answers as a Map: few keys (long collision runs, deletes inside them)', () => {
    const pool = fc.sample(staleShaped, { seed: 3, numRuns: 12 });
    fc.assert(
      fc.property(ops(fc.constantFrom(...pool, 0, 1, 2)), fc.constantFrom(1, 131072), (l, step) =>
        replay(l, step),
      ),
      {
        seed: 5,
        numRuns: propertyRuns(300),
      },
    );
  });

  it('answers as a Map: many keys (the table grows while entries come and go)', () => {
    fc.assert(
      fc.property(
        ops(fc.oneof(staleShaped, fc.integer({ min: 0, max: 5000 }))),
        fc.constantFrom(1, 131072),
        (l, step) => replay(l, step),
      ),
      {
        seed: 6,
        numRuns: propertyRuns(200),
      },
    );
  });

  for (const step of [1, 131072])
    it(`runs of neighbouring keys (${step === 1 ? 'frames' : 'same tag, nearby VAs'}) are stored, found and deleted (they share runs of slots)`, () => {
      const map = new NumberMap(undefined, 16, step);
      const key = (i: number): number => (0x1000000 + i) * step + (step === 1 ? 0 : 65536);
      for (let i = 0; i < 4096; i++) map.set(key(i), i);
      for (let i = 0; i < 4096; i++) expect(map.get(key(i))).toBe(i);
      for (let i = 0; i < 4096; i += 2) map.delete(key(i));
      for (let i = 0; i < 4096; i++) expect(map.get(key(i))).toBe(i % 2 === 0 ? ABSENT : i);
      expect(map.size).toBe(2048);
    });
});
