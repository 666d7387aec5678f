// Build step of a plug-in that contributes ops, after tsc: its ops' schema fragments as ajv standalone code in
// dist/fragments.cjs (core's src/schema/fragments.ts), which its `register` names with
// `addPrecompiledFragments(new URL('./fragments.cjs', import.meta.url))`. The plug-in registers into a registry
// of its own here, so what is compiled is exactly what it registers. Usage, in a package folder:
//   node ../../scripts/precompile-fragments.js
import 'reflect-metadata';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PolicyRegistry, createRegisterContext, writePrecompiledFragments } from '@shootdown/core';

const dist = pathToFileURL(resolve('dist') + '/');
const { register } = await import(new URL('index.js', dist).href);
const registry = new PolicyRegistry();
register(createRegisterContext(registry));
const schemas = registry.ops().map((op) => op.schema);
const written = writePrecompiledFragments(schemas, new URL('fragments.cjs', dist));
if (written === 0 && schemas.length > 0) throw new Error('no op schema fragment compiled');
