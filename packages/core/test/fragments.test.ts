// Plug-in op fragments compiled at build time (schema/fragments.ts): known by content, one validator per
// distinct fragment that compiles, agreeing with ajv's run-time verdict; anything missing or stale is
// simply not found, and the engine then compiles with ajv as before.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SCHEMA_AJV_OPTIONS,
  addPrecompiledFragments,
  fragmentDigest,
  precompiledFragment,
  writePrecompiledFragments,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'shootdown-fragments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): URL => pathToFileURL(join(dir, name));

const { Ajv2020: Ajv } = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };

const window = {
  type: 'object',
  properties: {
    region: { type: 'string', pattern: '^[a-z]+$' },
    pages: { type: 'integer', minimum: 1 },
    mode: { enum: ['ro', 'rw'] },
  },
  required: ['region'],
  additionalProperties: false,
};

describe('precompiled op fragments', () => {
  it('a fragment is known by its content: key order does not matter, a changed value does', () => {
    const reordered = {
      additionalProperties: false,
      required: ['region'],
      properties: {
        mode: { enum: ['ro', 'rw'] },
        pages: { minimum: 1, type: 'integer' },
        region: { pattern: '^[a-z]+$', type: 'string' },
      },
      type: 'object',
    };
    expect(fragmentDigest(reordered)).toBe(fragmentDigest(window));
    expect(fragmentDigest({ ...window, required: ['pages'] })).not.toBe(fragmentDigest(window));
    // array order is meaning (an enum's order shows in messages): a different digest
    const swapped = { ...window, properties: { ...window.properties, mode: { enum: ['rw', 'ro'] } } };
    expect(fragmentDigest(swapped)).not.toBe(fragmentDigest(window));
  });

  it('gives the verdict ajv gives at run time, for each fragment it compiled', () => {
    const flags = { type: 'object', properties: { flags: { type: 'array', items: { enum: ['a', 'b'] } } } };
    const out = at('both.cjs');
    // the same fragment twice is compiled once
    expect(writePrecompiledFragments([window, flags, { ...window }], out)).toBe(2);
    addPrecompiledFragments(out);
    const runtime = new Ajv(SCHEMA_AJV_OPTIONS);
    const cases: [object, unknown[]][] = [
      [
        window,
        [
          { region: 'pg' },
          { region: 'pg', pages: 3, mode: 'rw' },
          { region: 'PG' },
          { region: 'pg', pages: 0 },
          { region: 'pg', mode: 'wx' },
          { region: 'pg', colour: 'red' },
          { pages: 1 },
          'pg',
        ],
      ],
      [flags, [{}, { flags: ['a', 'b'] }, { flags: ['c'] }, { flags: 'a' }]],
    ];
    for (const [schema, data] of cases) {
      const fast = precompiledFragment(schema);
      expect(fast).toBeTypeOf('function');
      const slow = runtime.compile(schema);
      for (const d of data) expect(fast!(d), JSON.stringify(d)).toBe(slow(d));
    }
    expect(precompiledFragment({ type: 'object', required: ['other'] })).toBeUndefined();
  });

  it('leaves a fragment that does not compile to the run time, and writes nothing when none compiles', () => {
    const broken = { type: 'object', notAKeyword: true };
    const fine = { type: 'object', properties: { n: { type: 'integer' } } };
    const out = at('mixed.cjs');
    expect(writePrecompiledFragments([broken, fine], out)).toBe(1);
    addPrecompiledFragments(out);
    expect(precompiledFragment(fine)?.({ n: 1 })).toBe(true);
    expect(precompiledFragment(broken)).toBeUndefined();
    const none = at('none.cjs');
    expect(writePrecompiledFragments([broken], none)).toBe(0);
    expect(existsSync(none)).toBe(false);
  });

  it('ignores a module that is missing or does not load, and exports that are not fragment validators', () => {
    addPrecompiledFragments(at('missing.cjs'));
    const throws = at('throws.cjs');
    writeFileSync(throws, 'throw new Error("not built for this node");\n');
    addPrecompiledFragments(throws);
    const odd = { type: 'object', properties: { odd: { type: 'boolean' } } };
    const foreign = at('foreign.cjs');
    writeFileSync(
      foreign,
      `exports.other = () => true;\nexports.fragment_${fragmentDigest(odd)} = 'not a function';\n`,
    );
    addPrecompiledFragments(foreign);
    expect(precompiledFragment(odd)).toBeUndefined();
    // the modules before them are still used
    expect(precompiledFragment(window)?.({ region: 'pg' })).toBe(true);
  });
});
