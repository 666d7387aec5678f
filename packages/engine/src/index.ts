// The engine's public API, one area per folder: the scenario language (loading, validation, parameters),
// results, the runner, plug-in loading, comparisons, renderers and verdict files.
export * from './scenario/index.js';
export * from './result/index.js';
export * from './runner/index.js';
export * from './plugins/index.js';
export * from './compare/index.js';
export * from './render/index.js';
export * from './verdict/index.js';
export * from './trace/index.js';
export * as herd from './import/herd/index.js';
export * as casemate from './import/casemate/index.js';
