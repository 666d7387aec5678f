// Build step after tsc: the schemas' validators as ajv standalone code (src/scenario/schema-registry.ts,
// core's src/schema/precompiled.ts), compiled with core's PRECOMPILED_AJV_OPTIONS: the run-time ajv's
// except the two that only shape error reports — a precompiled validator only says yes or no.
import { writeFileSync } from 'node:fs';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { PRECOMPILED_AJV_OPTIONS, standaloneModule } from '@shootdown/core';
import { createAjv, PRECOMPILED_SCHEMAS } from '../dist/scenario/schema-registry.js';

const ajv = createAjv(PRECOMPILED_AJV_OPTIONS);
writeFileSync(
  new URL('../dist/scenario/precompiled-validators.cjs', import.meta.url),
  standaloneModule(standaloneCode(ajv, { ...PRECOMPILED_SCHEMAS })),
);
