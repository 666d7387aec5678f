// Build step after tsc: the schemas' validators as ajv standalone code (src/scenario/schema-registry.ts,
// core's src/schema/precompiled.ts), compiled with the options the run-time ajv uses except the two that
// only shape error reports (every error, with its schema node): a precompiled validator only says yes or
// no, and the run-time one reports — so the module is a fraction of the size and stops at the first error.
import { writeFileSync } from 'node:fs';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { standaloneModule } from '@shootdown/core';
import { createAjv, PRECOMPILED_SCHEMAS } from '../dist/scenario/schema-registry.js';

const ajv = createAjv({ allErrors: false, verbose: false, code: { source: true, optimize: true } });
writeFileSync(
  new URL('../dist/scenario/precompiled-validators.cjs', import.meta.url),
  standaloneModule(standaloneCode(ajv, { ...PRECOMPILED_SCHEMAS })),
);
