// Build-time validators (schema/precompiled.ts): used only when made from the same schema files, and a
// "no" from one always carries the run-time validator's errors, so messages never depend on the build.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadPrecompiled,
  schemasDigest,
  standaloneModule,
  withRuntimeErrors,
  type SchemaValidator,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'shootdown-precompiled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeModule(name: string, text: string): URL {
  const file = join(dir, name);
  writeFileSync(file, text);
  return pathToFileURL(file);
}

describe('precompiled validators', () => {
  it('the digest is a SHA-256 of the schema files, stable across calls', () => {
    expect(schemasDigest()).toMatch(/^[0-9a-f]{64}$/);
    expect(schemasDigest()).toBe(schemasDigest());
  });

  it('a generated module records the digest after the code and may not name a validator "digest"', () => {
    const text = standaloneModule('exports.manifest = () => true;');
    expect(
      text.startsWith('// Generated at build time (ajv standalone code). Do not edit.\nexports.manifest'),
    ).toBe(true);
    expect(text.endsWith(`exports.digest = "${schemasDigest()}";\n`)).toBe(true);
    expect(() => standaloneModule('exports.digest = 1;')).toThrow('"digest" cannot name a validator');
  });

  it('is used only when it exists and was made from these schema files', () => {
    const good = writeModule('good.cjs', standaloneModule('exports.yes = function () { return true; };'));
    const loaded = loadPrecompiled(good);
    expect(loaded?.['yes']?.(1)).toBe(true);
    const stale = writeModule(
      'stale.cjs',
      'exports.yes = function () { return true; };\nexports.digest = "0";\n',
    );
    expect(loadPrecompiled(stale)).toBeUndefined();
    expect(loadPrecompiled(pathToFileURL(join(dir, 'missing.cjs')))).toBeUndefined();
  });

  it('a yes needs no run-time validator; a no takes its errors from one built once', () => {
    let built = 0;
    const runtime = ((data: unknown): boolean => {
      runtime.errors =
        data === 'bad'
          ? [{ keyword: 'type', instancePath: '', schemaPath: '#', params: {}, message: 'no' }]
          : null;
      return data !== 'bad';
    }) as SchemaValidator;
    const v = withRuntimeErrors(
      (data) => data !== 'bad',
      () => {
        built++;
        return runtime;
      },
    );
    expect(v('good')).toBe(true);
    expect([v.errors, built]).toEqual([null, 0]);
    expect(v('bad')).toBe(false);
    expect(v.errors?.map((e) => e.message)).toEqual(['no']);
    expect(v('bad')).toBe(false);
    expect(built).toBe(1);
    expect(v('good')).toBe(true);
    expect(v.errors).toBeNull();
  });

  it('a precompiled no that ajv calls a yes means a stale build, said loudly', () => {
    const v = withRuntimeErrors(
      () => false,
      () => Object.assign((_: unknown) => true, { errors: null }) as unknown as SchemaValidator,
    );
    expect(() => v(1)).toThrow('a precompiled validator and ajv disagree: rebuild the package');
  });
});
