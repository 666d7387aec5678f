import type { Options } from 'ajv';

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
