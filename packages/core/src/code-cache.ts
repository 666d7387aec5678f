// A CommonJS file of a build (the engine's vendored yaml, its precompiled schema validators), compiled with
// a V8 code cache the build wrote beside it. Node 20 has no compile cache of its own (Node 22's
// module.enableCompileCache): every `run` parsed and compiled these files again — ~23 ms of CPU for the
// scenario validators, ~11 for yaml — and a cache taken after the build exercised them saves half to
// three quarters of it (DESIGN §8, the CLI budget). The file is evaluated as require() would (the CommonJS
// wrapper, its own require, module, __filename, __dirname, the module in require's cache). A script
// compiled by node:vm has no import() of its own on Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING, and
// the vm option that would supply one is lost when V8 takes a code cache), so a file that imports at run
// time — the vendored @oclif/core's module loader imports the commands — calls DYNAMIC_IMPORT instead: the
// build rewrote its import() expressions (scripts/bundle-dist.js), and the loader passes the importing
// function of an ES module in. A cache that does not fit (another Node or V8 flags: V8 refuses it; other
// source: the digest below) is ignored and the file compiles as without one, as when there is none.
// Nothing the file computes depends on the cache.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** Where the build writes the code cache of `file`. */
export function codeCachePath(file: string): string {
  return `${file}.v8-code-cache`;
}

/**
 * V8 checks a code cache against the source's length only: a cache of other source of the same length
 * would run that other code. The cache file therefore starts with the SHA-256 of the source it was made
 * from, and is used only for that source.
 */
const DIGEST_BYTES = 32;

function digestOf(source: Buffer): Buffer {
  return createHash('sha256').update(source).digest();
}

/** The V8 data of `file`'s cache when it was made from the source of `digest`, else undefined. */
function cacheFor(file: string, digest: Buffer): Buffer | undefined {
  const path = codeCachePath(file);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  if (bytes.length <= DIGEST_BYTES || !bytes.subarray(0, DIGEST_BYTES).equals(digest)) return undefined;
  return bytes.subarray(DIGEST_BYTES);
}

/**
 * The name a file evaluated here calls for import(): a parameter of its CommonJS wrapper, bound to the
 * loader's `dynamicImport` (scripts/bundle-dist.js rewrites a vendored file's import() expressions to it).
 */
export const DYNAMIC_IMPORT = '__dynamicImport';

/** The CommonJS wrapper (node's Module.wrap) with DYNAMIC_IMPORT as one more parameter. */
function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname, ${DYNAMIC_IMPORT}) { ${source}\n});`;
}

/** An ES module's import(), for a file that imports at run time. */
export type DynamicImport = (specifier: string) => Promise<unknown>;

/**
 * Scripts compiled here and their source's digest, for the build to take their caches after exercising
 * them. Not the source itself: the script keeps its own (wrapped) copy; a second one held here was
 * ~0.5 MB of a run's large-object space.
 */
const scripts = new Map<string, { readonly script: Script; readonly digest: Buffer }>();
/** Files compiled here from their code cache (V8 took it). */
const fromCache = new Set<string>();

/**
 * `file`'s exports, evaluated as CommonJS with its code cache when there is one that fits; like require(),
 * once per process (a file already in require's cache is not evaluated again). `dynamicImport` is what
 * the file's DYNAMIC_IMPORT calls (the caller's own import(), so specifiers resolve as from its module).
 */
export function requireWithCodeCache(file: string, dynamicImport?: DynamicImport): unknown {
  const require = createRequire(file);
  const known = require.cache[file];
  if (known !== undefined) return known.exports;
  const bytes = readFileSync(file);
  const digest = digestOf(bytes);
  const cachedData = cacheFor(file, digest);
  const script = new Script(wrap(bytes.toString('utf8')), {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  // a real module in require's cache: a later require() of the same file gets this copy, not a second one
  const module = new Module(file);
  module.filename = file;
  require.cache[file] = module;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  try {
    wrapper.call(module.exports, module.exports, require, module, file, dirname(file), dynamicImport);
  } catch (e) {
    delete require.cache[file];
    throw e;
  }
  module.loaded = true;
  scripts.set(file, { script, digest });
  if (cachedData !== undefined && script.cachedDataRejected === false) fromCache.add(file);
  return module.exports as unknown;
}

/** Whether `file` was compiled from its code cache (false: there was none, or V8 refused it). */
export function usedCodeCache(file: string): boolean {
  return fromCache.has(file);
}

/** The build's step: writes the cache of a file loaded here, with whatever it compiled so far. */
export function writeCodeCache(file: string): void {
  const loaded = scripts.get(file);
  if (loaded === undefined) throw new Error(`${file} was not loaded by requireWithCodeCache`);
  writeFileSync(codeCachePath(file), Buffer.concat([loaded.digest, loaded.script.createCachedData()]));
}
