// Build step after tsc: the plug-in manifest validator as ajv standalone code (src/schema/precompiled.ts).
import { writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { MANIFEST_AJV_OPTIONS, manifestSchema, standaloneModule } from '../dist/index.js';

const ajv = new Ajv2020({ ...MANIFEST_AJV_OPTIONS, code: { source: true } });
const manifest = ajv.compile(manifestSchema());
writeFileSync(
  new URL('../dist/plugins/manifest-validator.cjs', import.meta.url),
  standaloneModule(
    standaloneCode(ajv, manifest).replace(/module\.exports = (\w+);/, 'exports.manifest = $1;'),
  ),
);
