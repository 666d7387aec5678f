// The Ajv of the schemas in `schemas/`: its options, and an instance holding every schema, for the engine's
// run-time validation and for the builds that precompile validators (of those schemas, and of plug-ins' op
// fragments, which may refer to them).
import { createRequire } from 'node:module';
import type { Options } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { loadSchemas } from '@shootdown/schemas';

/**
 * Ajv's options for the schemas of `schemas/` and for the plug-ins' op fragments compiled beside them (the
 * engine's run-time Ajv, and the builds that precompile either). verbose: errors carry their schema node,
 * whose `title` gives a readable "expected …". Compile time is what a CLI run pays up front: measured on the
 * scenario schema, the defaults took ~2.5 s; without re-validating our own schemas against the meta-schema
 * (the schema tests do that), without inlining refs and without ajv's code optimiser passes it is ~0.35 s,
 * and validation stays fast.
 */
export const SCHEMA_AJV_OPTIONS: Options = {
  allErrors: true,
  strict: true,
  verbose: true,
  allowUnionTypes: true,
  inlineRefs: false,
  validateSchema: false,
  code: { optimize: false },
};

/**
 * The same for a build's precompiled validator, which only says yes or no (the run-time one reports): not
 * the two options that only shape error reports (every error, with its schema node), so the module is a
 * fraction of the size and stops at the first error; the code optimised, as it is compiled once.
 */
export const PRECOMPILED_AJV_OPTIONS: Options = {
  ...SCHEMA_AJV_OPTIONS,
  allErrors: false,
  verbose: false,
  code: { source: true, optimize: true },
};

/** Every schema of `schemas/` in a fresh Ajv with SCHEMA_AJV_OPTIONS (and `extra`, for builds). */
export function createSchemaAjv(extra: Options = {}): Ajv2020 {
  const { Ajv2020: Ajv } = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
  const ajv = new Ajv({ ...SCHEMA_AJV_OPTIONS, ...extra });
  const schemas = loadSchemas();
  for (const file of Object.keys(schemas)) ajv.addSchema(schemas[file]!);
  return ajv;
}

/**
 * ajv's standalone code of validators of `ajv` (created by createSchemaAjv: the same copy of ajv, whose
 * standalone code must be the one that compiled them), one export per entry of `refs` (export name → schema
 * id or key).
 */
export function standaloneValidators(ajv: Ajv2020, refs: Readonly<Record<string, string>>): string {
  const { default: standaloneCode } = createRequire(import.meta.url)('ajv/dist/standalone/index.js') as {
    default: (ajv: Ajv2020, refs: Record<string, string>) => string;
  };
  return standaloneCode(ajv, { ...refs });
}
