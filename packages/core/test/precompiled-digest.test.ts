// What a build-time validator module is tied to (schema/precompiled.ts): the schema files alone — each
// `*.schema.json` of the schemas package, by name and bytes, in name order — so the package's own
// index.js or package.json changing does not throw a good build away, and the order does not depend on
// the order the file system lists a folder in.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaDir } from '@shootdown/schemas';
import { describe, expect, it } from 'vitest';
import { schemasDigest, standaloneModule } from '../src/index.js';

describe('the schemas digest', () => {
  it('is SHA-256 over name, NUL, bytes, NUL of each schema file in name order, nothing else', () => {
    const names = readdirSync(schemaDir)
      .filter((n) => n.endsWith('.schema.json'))
      .sort();
    // The folder holds more than schemas: those must not count.
    expect(readdirSync(schemaDir).length).toBeGreaterThan(names.length);
    expect(names).toContain('scenario.schema.json');
    const h = createHash('sha256');
    for (const n of names)
      h.update(Buffer.concat([Buffer.from(n + '\0'), readFileSync(join(schemaDir, n)), Buffer.from('\0')]));
    expect(schemasDigest()).toBe(h.digest('hex'));
  });
});

describe('a generated module', () => {
  it('refuses only a validator named exactly "digest"', () => {
    for (const code of ['exports.digest = f;', 'exports.digest=f;', 'module.exports.digest = f;'])
      expect(() => standaloneModule(code), code).toThrow('"digest" cannot name a validator');
    for (const code of [
      'exports.digester = f;',
      'exports.scenarioDigest = f;',
      'myexports.digest = f;',
      'exportsXdigest = f;',
    ])
      expect(() => standaloneModule(code), code).not.toThrow();
  });
});
