// JSON-Schema validators compiled at build time (ajv's standalone code, written by the package's
// `scripts/precompile-validators.js`), so a CLI call does not compile the schemas with ajv each time —
// that was a third of a one-scenario `run`. The generated module records a digest of the schema files
// it was made from; when they changed since (a build not re-run), it is not used and ajv compiles at
// run time as before. A precompiled validator only says yes or no: on a no, the run-time validator of
// the same schema is built and run for its errors, so every message stays exactly what it was.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { schemaDir } from '@shootdown/schemas';
import { requireWithCodeCache } from '../code-cache.js';

/** A validator as callers use it: call it, and read `errors` after a failure. */
export interface SchemaValidator<T = unknown> {
  (data: unknown): data is T;
  errors?: ErrorObject[] | null;
}

type Compiled = (data: unknown) => boolean;

let digest: string | undefined;

/** Digest of every schema file of the schemas package (names and bytes). */
export function schemasDigest(): string {
  // Stryker disable next-line ConditionalExpression: equivalent — a memo: computed again, the digest is the same
  if (digest === undefined) {
    const h = createHash('sha256');
    for (const f of readdirSync(schemaDir).sort()) {
      if (!f.endsWith('.schema.json')) continue;
      h.update(f + '\0');
      h.update(readFileSync(join(schemaDir, f)));
      h.update('\0');
    }
    digest = h.digest('hex');
  }
  return digest;
}

/**
 * The validators of a generated module (CommonJS: ajv's standalone code requires its runtime helpers), or
 * undefined when it is missing (running from sources) or was generated from other schema files.
 */
export function loadPrecompiled(module: URL): Readonly<Record<string, Compiled>> | undefined {
  let mod: Record<string, unknown>;
  try {
    // with the code cache the build wrote beside it (code-cache.ts)
    mod = requireWithCodeCache(fileURLToPath(module)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return mod['digest'] === schemasDigest() ? (mod as Record<string, Compiled>) : undefined;
}

/**
 * The module a build script writes: ajv's standalone code (CommonJS, `exports.<name>` per validator, from
 * the package's own ajv) and the digest of the schema files it was compiled from.
 */
export function standaloneModule(code: string): string {
  if (/\bexports\.digest\b/.test(code)) throw new Error('"digest" cannot name a validator');
  const head = '// Generated at build time (ajv standalone code). Do not edit.\n';
  return `${head}${code}\nexports.digest = ${JSON.stringify(schemasDigest())};\n`;
}

/**
 * `fast` for the verdict; on a failure, `slow()` (built once, on the first failure) for the errors. Without a
 * `fast` (no build made one, or not from these schemas), `slow()` itself, built now.
 */
export function withRuntimeErrors<T>(
  fast: Compiled | undefined,
  slow: () => SchemaValidator<T>,
): SchemaValidator<T> {
  if (fast === undefined) return slow();
  let runtime: SchemaValidator<T> | undefined;
  const v = ((data: unknown): boolean => {
    if (fast(data)) {
      v.errors = null;
      return true;
    }
    runtime ??= slow();
    const ok = runtime(data);
    v.errors = runtime.errors ?? null;
    if (ok) throw new Error('a precompiled validator and ajv disagree: rebuild the package');
    return false;
  }) as SchemaValidator<T>;
  return v;
}
