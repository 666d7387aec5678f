// Build step after tsc: the schemas' validators as ajv standalone code (src/scenario/schema-registry.ts,
// core's src/schema/precompiled.ts), compiled by core's schema Ajv with PRECOMPILED_AJV_OPTIONS: the run-time
// ajv's except the two that only shape error reports — a precompiled validator only says yes or no.
import { writeFileSync } from 'node:fs';
import {
  PRECOMPILED_AJV_OPTIONS,
  createSchemaAjv,
  standaloneModule,
  standaloneValidators,
} from '@shootdown/core';
import { PRECOMPILED_SCHEMAS } from '../dist/scenario/schema-registry.js';

writeFileSync(
  new URL('../dist/scenario/precompiled-validators.cjs', import.meta.url),
  standaloneModule(standaloneValidators(createSchemaAjv(PRECOMPILED_AJV_OPTIONS), PRECOMPILED_SCHEMAS)),
);
