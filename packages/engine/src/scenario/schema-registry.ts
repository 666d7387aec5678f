// One Ajv (draft 2020-12) holding every schema of `schemas/`, so cross-file `$ref`s resolve by `$id`
// (TOOLCHAIN "ajv and readable errors"). Policy op fragments are compiled into the same instance.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { loadSchemas } from '@shootdown/schemas';

export const SCENARIO_SCHEMA_ID = 'https://shootdown.dev/schemas/scenario.schema.json';
export const RESULT_SCHEMA_ID = 'https://shootdown.dev/schemas/result.schema.json';
export const COMPARISON_SCHEMA_ID = 'https://shootdown.dev/schemas/comparison.schema.json';
export const MACHINE_SCHEMA_ID = 'https://shootdown.dev/schemas/machine.schema.json';

export type JsonSchema = Record<string, unknown>;

let shared: Ajv2020 | undefined;
const fragmentCache = new WeakMap<object, ValidateFunction>();

function createAjv(): Ajv2020 {
  // verbose: errors carry their schema node, whose `title` gives a readable "expected …". Compile time is
  // what a CLI run pays up front: measured on the scenario schema, the defaults took ~2.5 s; without
  // re-validating our own schemas against the meta-schema (the schema tests do that), without inlining
  // refs and without ajv's code optimiser passes it is ~0.35 s, and validation stays fast.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    verbose: true,
    allowUnionTypes: true,
    inlineRefs: false,
    validateSchema: false,
    code: { optimize: false },
  });
  const schemas = loadSchemas();
  for (const file of Object.keys(schemas)) ajv.addSchema(schemas[file]!);
  return ajv;
}

export function sharedAjv(): Ajv2020 {
  shared ??= createAjv();
  return shared;
}

export function validatorFor(id: string): ValidateFunction {
  const v = sharedAjv().getSchema(id);
  if (v === undefined) throw new Error(`schema ${id} is not in the schemas package`);
  return v;
}

/** The parsed JSON of one schema (for reading defaults, e.g. the machine block's). */
export function schemaJson(id: string): JsonSchema | undefined {
  const s = sharedAjv().getSchema(id)?.schema;
  return typeof s === 'object' ? s : undefined;
}

/** Compiles (once per object) a policy op's schema fragment, as supplied by the plug-in registry. */
export function fragmentValidator(schema: JsonSchema): ValidateFunction {
  let v = fragmentCache.get(schema);
  if (v === undefined) {
    v = sharedAjv().compile(schema);
    fragmentCache.set(schema, v);
  }
  return v;
}
