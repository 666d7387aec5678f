// A plug-in manifest (schemas/policy-manifest.schema.json) that is wrong in several ways is told every
// way at once, each under its JSON pointer below `/shootdown` with what was expected — the messages a
// plug-in author reads from `shootdown plugins`.
import { describe, expect, it } from 'vitest';
import { checkManifest } from '../src/index.js';

describe('manifest messages', () => {
  it('every error, each at its place', () => {
    const { manifest, errors } = checkManifest({
      apiVersion: 2,
      policies: ['Linux', 'raw-mmu'],
      entry: 'dist/index.js',
      extra: true,
    });
    expect(manifest).toBeUndefined();
    expect([...errors].sort()).toEqual(
      [
        "/shootdown: unknown property 'extra'",
        '/shootdown/apiVersion: must be 1',
        '/shootdown/policies/0: must match pattern "^[a-z0-9]+(-[a-z0-9]+)*$"',
        '/shootdown/policies/1: must NOT be valid',
        '/shootdown/entry: must match pattern "^\\./"',
      ].sort(),
    );
  });

  it('a missing member is named at the manifest itself', () => {
    expect(checkManifest({ apiVersion: 1, policies: [] }).errors).toEqual([
      "/shootdown: must have required property 'entry'",
    ]);
  });

  it('a good manifest comes back as is, without errors', () => {
    const value = { apiVersion: 1, policies: ['my-os'], entry: './dist/index.js' };
    expect(checkManifest(value)).toEqual({ manifest: value, errors: [] });
  });
});
