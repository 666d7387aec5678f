// Verdict files: parsing with located errors, checking runs against them.
export type * from './types.js';
export { parseVerdicts, verdictText, type VerdictParseOptions, type VerdictParseResult } from './parse.js';
export { checkVerdicts, verdictLine } from './check.js';
export { loadVerdictFile } from './load.js';
export { VerdictWriteError, writeVerdicts } from './write.js';
