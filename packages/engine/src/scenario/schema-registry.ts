// One Ajv (draft 2020-12) holding every schema of `schemas/`, so cross-file `$ref`s resolve by `$id`
// (TOOLCHAIN "ajv and readable errors"). Policy op fragments are compiled into the same instance.
// The schemas' own validators were compiled at build time (scripts/precompile-validators.js, core's
// schema/precompiled.ts), and so were the built-in plug-ins' op fragments (core's schema/fragments.ts):
// ajv itself is loaded only for a fragment no build compiled, for the messages of a document that fails,
// or when the build's validators do not match the schema files.
import type { ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import {
  loadPrecompiled,
  precompiledFragment,
  createSchemaAjv,
  withRuntimeErrors,
  type SchemaValidator,
} from '@shootdown/core';
import { loadSchemas } from '@shootdown/schemas';

export const SCENARIO_SCHEMA_ID = 'https://shootdown.dev/schemas/scenario.schema.json';
export const RESULT_SCHEMA_ID = 'https://shootdown.dev/schemas/result.schema.json';
export const COMPARISON_SCHEMA_ID = 'https://shootdown.dev/schemas/comparison.schema.json';
export const MACHINE_SCHEMA_ID = 'https://shootdown.dev/schemas/machine.schema.json';
export const TRACE_SCHEMA_ID = 'https://shootdown.dev/schemas/trace.schema.json';
export const SHARD_RESULTS_SCHEMA_ID = 'https://shootdown.dev/schemas/shard-results.schema.json';
export const EXPLORE_SHARD_SCHEMA_ID = 'https://shootdown.dev/schemas/explore-shard-results.schema.json';

export type JsonSchema = Record<string, unknown>;

/** The validators the build precompiles: export name → schema id. */
export const PRECOMPILED_SCHEMAS: Readonly<Record<string, string>> = {
  scenario: SCENARIO_SCHEMA_ID,
  step: `${SCENARIO_SCHEMA_ID}#/$defs/step`,
  result: RESULT_SCHEMA_ID,
  comparison: COMPARISON_SCHEMA_ID,
};

let shared: Ajv2020 | undefined;
const fragmentCache = new WeakMap<object, SchemaValidator>();
const validators = new Map<string, SchemaValidator>();
let precompiled: Readonly<Record<string, (data: unknown) => boolean>> | null | undefined;

export function sharedAjv(): Ajv2020 {
  shared ??= createSchemaAjv();
  return shared;
}

function runtimeValidator(id: string): ValidateFunction {
  const v = sharedAjv().getSchema(id);
  if (v === undefined) throw new Error(`schema ${id} is not in the schemas package`);
  return v;
}

export function validatorFor(id: string): SchemaValidator {
  let v = validators.get(id);
  if (v === undefined) {
    precompiled ??= loadPrecompiled(new URL('./precompiled-validators.cjs', import.meta.url)) ?? null;
    const name = Object.keys(PRECOMPILED_SCHEMAS).find((k) => PRECOMPILED_SCHEMAS[k] === id);
    const fast = name === undefined ? undefined : precompiled?.[name];
    v = withRuntimeErrors(fast, () => runtimeValidator(id));
    validators.set(id, v);
  }
  return v;
}

let byId: Map<string, JsonSchema> | undefined;

/** The parsed JSON of one schema (for reading defaults, e.g. the machine block's). */
export function schemaJson(id: string): JsonSchema | undefined {
  byId ??= new Map(
    Object.values(loadSchemas() as Record<string, JsonSchema>).map((s) => [String(s['$id']), s]),
  );
  return byId.get(id);
}

/**
 * The validator (once per object) of a policy op's schema fragment, as supplied by the plug-in registry: the
 * one the plug-in's build precompiled (core's schema/fragments.ts) when there is one, so a scenario using the
 * op does not load ajv (~50 ms of a one-scenario `run`), with ajv's for the messages of a failure; else ajv's.
 */
export function fragmentValidator(schema: JsonSchema): SchemaValidator {
  let v = fragmentCache.get(schema);
  if (v === undefined) {
    v = withRuntimeErrors(precompiledFragment(schema), () => sharedAjv().compile(schema));
    fragmentCache.set(schema, v);
  }
  return v;
}
