// NumberMap (open addressing, backward-shift deletion) answers exactly as a JS Map over any sequence of
// sets, deletes and gets — keys shaped like StaleSet's (VA index × 2^17 + tag, up to 2^53) and small frame
// numbers, few distinct so that runs of colliding keys form and are broken by deletes, and many, so that
// the table grows while entries come and go.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ABSENT, NumberMap } from '../src/number-map.js';
import { propertyRuns } from './helpers.js';

type Op = { kind: 'set' | 'delete' | 'get'; key: number; value: number };

const staleShaped = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 36 - 1 }), fc.integer({ min: 0, max: 2 ** 17 - 1 }))
  .map(([index, tag]) => index * 131072 + tag);

function ops(keys: fc.Arbitrary<number>): fc.Arbitrary<Op[]> {
  return fc.array(
    fc.record({
      kind: fc.constantFrom<Op['kind']>('set', 'set', 'delete', 'get'),
      key: keys,
      value: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    }),
    { maxLength: 400 },
  );
}

function replay(list: Op[]): void {
  const map = new NumberMap();
  const ref = new Map<number, number>();
  for (const op of list) {
    if (op.kind === 'set') {
      map.set(op.key, op.value);
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
    fc.assert(fc.property(ops(fc.constantFrom(...pool, 0, 1, 2)), replay), {
      seed: 5,
      numRuns: propertyRuns(300),
    });
  });

  it('answers as a Map: many keys (the table grows while entries come and go)', () => {
    fc.assert(fc.property(ops(fc.oneof(staleShaped, fc.integer({ min: 0, max: 5000 }))), replay), {
      seed: 6,
      numRuns: propertyRuns(200),
    });
  });

  it('keys that differ only above bit 17 (same tag, nearby VAs) spread over the table', () => {
    const map = new NumberMap();
    for (let i = 0; i < 4096; i++) map.set((0x1000000 + i) * 131072 + 65536, i);
    for (let i = 0; i < 4096; i++) expect(map.get((0x1000000 + i) * 131072 + 65536)).toBe(i);
    for (let i = 0; i < 4096; i += 2) map.delete((0x1000000 + i) * 131072 + 65536);
    for (let i = 0; i < 4096; i++)
      expect(map.get((0x1000000 + i) * 131072 + 65536)).toBe(i % 2 === 0 ? ABSENT : i);
    expect(map.size).toBe(2048);
  });
});
