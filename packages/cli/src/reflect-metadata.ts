// Loads reflect-metadata, which must come before tsyringe is loaded anywhere (core, engine, plug-ins), by
// require rather than import: an ES import of a CommonJS module makes Node scan its source for export
// names first (~10 ms of CPU per thread here, for a module that exports nothing we use by name).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('reflect-metadata');
