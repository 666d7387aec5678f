import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { schemaDir } from '@shootdown/schemas';

/** The `shootdown` field of a plug-in's package.json (schemas/policy-manifest.schema.json). */
export interface PluginManifest {
  readonly apiVersion: 1;
  readonly policies: readonly string[];
  readonly entry: string;
}

let validator: ValidateFunction<PluginManifest> | undefined;

function validate(): ValidateFunction<PluginManifest> {
  if (validator === undefined) {
    const schema = JSON.parse(readFileSync(join(schemaDir, 'policy-manifest.schema.json'), 'utf8')) as object;
    validator = new Ajv2020({ allErrors: true, strict: true }).compile<PluginManifest>(schema);
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
