// A vendored CommonJS file evaluated with its V8 code cache (code-cache.ts): exactly what require() gives,
// once per process, and the cache never changes what the file computes — a missing, refused or stale cache
// only costs compile time.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  codeCachePath,
  DYNAMIC_IMPORT,
  requireWithCodeCache,
  usedCodeCache,
  writeCodeCache,
} from '../src/code-cache.js';

const require = createRequire(import.meta.url);
let dir: string;
let n = 0;

/** A fresh CommonJS file (a new path each time: the module cache is per path) requiring a sibling. */
function library(body = 'exports.twice = (x) => 2 * x;'): string {
  const file = join(dir, `lib-${n++}.cjs`);
  writeFileSync(join(dir, 'sibling.cjs'), 'module.exports = { answer: 42 };\n');
  writeFileSync(
    file,
    `${body}\nexports.sibling = require('./sibling.cjs').answer;\nexports.where = [__filename, __dirname];\nexports.self = module.exports === exports;\n`,
  );
  return file;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shootdown-code-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('requireWithCodeCache', () => {
  it('evaluates the file as require() does: its own require, __filename, __dirname, module.exports', () => {
    const file = library();
    const m = requireWithCodeCache(file) as Record<string, unknown>;
    expect((m['twice'] as (x: number) => number)(21)).toBe(42);
    expect(m['sibling']).toBe(42);
    expect(m['where']).toEqual([file, dir]);
    expect(m['self']).toBe(true);
  });

  it('evaluates a file once per process, and require() then gets the same copy', () => {
    const file = library('exports.made = {};');
    const a = requireWithCodeCache(file);
    expect(requireWithCodeCache(file)).toBe(a);
    expect(require(file)).toBe(a);
  });

  it('leaves nothing in the module cache when the file throws', () => {
    const file = library('throw new Error("broken library");');
    expect(() => requireWithCodeCache(file)).toThrow('broken library');
    expect(require.cache[file]).toBeUndefined();
  });

  it('compiles from a cache the build wrote, and gives the same exports', () => {
    const file = library();
    requireWithCodeCache(file);
    writeCodeCache(file);
    const again = join(dir, 'again.cjs');
    writeFileSync(again, readFileSync(file));
    writeFileSync(codeCachePath(again), readFileSync(codeCachePath(file)));
    const m = requireWithCodeCache(again) as Record<string, unknown>;
    expect(usedCodeCache(again)).toBe(true);
    expect((m['twice'] as (x: number) => number)(4)).toBe(8);
  });

  it('ignores a cache that does not fit the file (garbage, or made from other source)', () => {
    const garbage = library();
    writeFileSync(codeCachePath(garbage), Buffer.from('not a V8 code cache'));
    expect((requireWithCodeCache(garbage) as { sibling: number }).sibling).toBe(42);
    expect(usedCodeCache(garbage)).toBe(false);

    const old = library('exports.version = 1;');
    requireWithCodeCache(old);
    writeCodeCache(old);
    const edited = library('exports.version = 2;');
    writeFileSync(codeCachePath(edited), readFileSync(codeCachePath(old)));
    expect((requireWithCodeCache(edited) as { version: number }).version).toBe(2);
    expect(usedCodeCache(edited)).toBe(false);
  });

  // Node 20 gives a node:vm script no import() (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), with or without a
  // cache: a file that imports at run time calls the loader's import() through the wrapper's parameter
  it('passes the loader’s import() to a file, also when the file compiles from its cache', async () => {
    const body = `exports.path = () => ${DYNAMIC_IMPORT}('node:path');`;
    const file = library(body);
    const importer = (specifier: string): Promise<unknown> => import(specifier);
    const m = requireWithCodeCache(file, importer) as { path: () => Promise<unknown> };
    expect(await m.path()).toBe(await import('node:path'));
    writeCodeCache(file);
    const again = join(dir, 'again.cjs');
    writeFileSync(again, readFileSync(file));
    writeFileSync(codeCachePath(again), readFileSync(codeCachePath(file)));
    const cached = requireWithCodeCache(again, importer) as { path: () => Promise<unknown> };
    expect(usedCodeCache(again)).toBe(true);
    expect(await cached.path()).toBe(await import('node:path'));
  });

  it('needs a file it loaded to write a cache', () => {
    expect(() => writeCodeCache(join(dir, 'never-loaded.cjs'))).toThrow('was not loaded');
  });
});
