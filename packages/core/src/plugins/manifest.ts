import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ErrorObject, Options } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { schemaDir } from '@shootdown/schemas';
import { loadPrecompiled, withRuntimeErrors, type SchemaValidator } from '../schema/precompiled.js';

/** The `shootdown` field of a plug-in's package.json (schemas/policy-manifest.schema.json). */
export interface PluginManifest {
  readonly apiVersion: 1;
  readonly policies: readonly string[];
  readonly entry: string;
}

/** Ajv's options for the manifest schema; the build compiles it with the same (scripts/). */
export const MANIFEST_AJV_OPTIONS: Options = { allErrors: true, strict: true };

export function manifestSchema(): object {
  return JSON.parse(readFileSync(join(schemaDir, 'policy-manifest.schema.json'), 'utf8')) as object;
}

let validator: SchemaValidator<PluginManifest> | undefined;

/** ajv itself (a second instance, with the 2020-12 meta-schema): loaded only when the build's is unusable. */
function runtimeValidator(): SchemaValidator<PluginManifest> {
  const { Ajv2020: Ajv } = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
  return new Ajv(MANIFEST_AJV_OPTIONS).compile<PluginManifest>(manifestSchema());
}

function validate(): SchemaValidator<PluginManifest> {
  // Stryker disable next-line ConditionalExpression: equivalent — a memo: compiled again, the validator is the same
  if (validator === undefined) {
    const fast = loadPrecompiled(new URL('./manifest-validator.cjs', import.meta.url))?.['manifest'];
    validator = withRuntimeErrors(fast, runtimeValidator);
  }
  return validator;
}

/** Check a manifest value; returns the messages (JSON pointer under `/shootdown` + what was expected). */
export function checkManifest(value: unknown): { manifest?: PluginManifest; errors: string[] } {
  const v = validate();
  if (v(value)) return { manifest: value, errors: [] };
  return { errors: (v.errors ?? []).map(describe) };
}

function describe(e: ErrorObject): string {
  const where = `/shootdown${e.instancePath}`;
  const params = e.params as { additionalProperty?: string; allowedValue?: unknown };
  if (params.additionalProperty !== undefined)
    return `${where}: unknown property '${params.additionalProperty}'`;
  if (e.keyword === 'const') return `${where}: must be ${JSON.stringify(params.allowedValue)}`;
  return `${where}: ${e.message ?? 'invalid'}`;
}
