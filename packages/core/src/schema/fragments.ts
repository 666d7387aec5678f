// A plug-in's op schemas (the `schema` fragment of each OpContribution, DESIGN §4 "Policy-contributed ops")
// compiled at the plug-in's build, as the engine's own schemas are (precompiled.ts). The engine compiled
// every fragment a scenario used with ajv at run time: loading ajv, building its instance and compiling one
// fragment was ~50 ms of CPU, a fifth of a one-scenario `run` of a scenario using `linux.mermap-get` or
// `freebsd.sysarch` (0.22–0.31 s against 0.17 s for one without a plug-in op; DESIGN §8 allows 0.3 s).
//
// A fragment is known by its content, not by its op's name: the digest of its JSON with every object's keys
// sorted. A generated module exports one validator per digest it was compiled from, so a module older than
// the plug-in's schemas simply lacks the new digest, and that fragment is compiled by ajv as before — there
// is no whole-module digest to go stale. A plug-in opts in by naming its module (`addPrecompiledFragments`,
// in its `register`); a module that is missing or fails to load is ignored, as when running from sources.
// A precompiled validator only says yes or no: the engine asks ajv for the messages of a failure
// (withRuntimeErrors), so every message stays what it was.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '../code-cache.js';
import { PRECOMPILED_AJV_OPTIONS, createSchemaAjv, standaloneValidators } from './schema-ajv.js';

type Compiled = (data: unknown) => boolean;

/** Export name of the validator of the fragment of digest d (a JavaScript identifier). */
const EXPORT_PREFIX = 'fragment_';

/** JSON text with every object's keys in sorted order: the same for the same content, however written. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A fragment's identity: SHA-256 of its canonical JSON (hex). */
export function fragmentDigest(schema: object): string {
  return createHash('sha256').update(canonicalJson(schema)).digest('hex');
}

/** Modules named by plug-ins and not read yet (absolute paths). */
const pending: string[] = [];
/** Validators read so far, by fragment digest. */
const byDigest = new Map<string, Compiled>();
/** Digests of fragment objects already asked about (the registry hands out the same objects each run). */
const digests = new WeakMap<object, string>();

/** A plug-in's build wrote its fragments' validators to `module` (read on the first lookup, if ever). */
export function addPrecompiledFragments(module: URL): void {
  pending.push(fileURLToPath(module));
}

function readPending(): void {
  for (let file = pending.shift(); file !== undefined; file = pending.shift()) {
    let mod: Record<string, unknown>;
    try {
      mod = requireWithCodeCache(file) as Record<string, unknown>;
    } catch {
      continue; // not built (running from sources), or unreadable: ajv compiles those fragments
    }
    for (const [name, fn] of Object.entries(mod)) {
      if (name.startsWith(EXPORT_PREFIX) && typeof fn === 'function')
        byDigest.set(name.slice(EXPORT_PREFIX.length), fn as Compiled);
    }
  }
}

/** The precompiled validator of `schema` (a fragment some plug-in's build compiled), or undefined. */
export function precompiledFragment(schema: object): Compiled | undefined {
  if (pending.length > 0) readPending();
  if (byDigest.size === 0) return undefined;
  let d = digests.get(schema);
  if (d === undefined) {
    d = fragmentDigest(schema);
    digests.set(schema, d);
  }
  return byDigest.get(d);
}

/**
 * The build's step: writes `out`, ajv's standalone code of every distinct fragment of `schemas` that compiles
 * (createSchemaAjv: the run-time Ajv's options and every schema of `schemas/`, as the engine compiles them); one
 * that does not compile is left to the run time, which reports it as it always did. Nothing is written when
 * no fragment compiles. Returns how many validators were written.
 */
export function writePrecompiledFragments(schemas: readonly object[], out: URL): number {
  const ajv = createSchemaAjv(PRECOMPILED_AJV_OPTIONS);
  const refs: Record<string, string> = {};
  for (const schema of schemas) {
    const d = fragmentDigest(schema);
    const key = `${EXPORT_PREFIX}${d}`;
    if (key in refs) continue;
    try {
      ajv.addSchema(schema as Record<string, unknown>, key);
      ajv.getSchema(key);
    } catch {
      ajv.removeSchema(key);
      continue;
    }
    refs[key] = key;
  }
  const n = Object.keys(refs).length;
  if (n > 0) {
    const head = '// Generated at build time (ajv standalone code of op schema fragments). Do not edit.\n';
    writeFileSync(out, head + standaloneValidators(ajv, refs));
  }
  return n;
}
