// The named map of built-in check queries; policy probes (`<prefix>.<name>`) come from the registry.
import type { CheckHandler } from './check.js';
import { cachedCheck } from './cached.js';
import { directMapCheck } from './direct-map.js';
import { entryCheck } from './entry.js';
import { keysCheck } from './keys.js';
import { pageblockFreetypeCheck } from './pageblock-freetype.js';
import { processCheck } from './process.js';
import { withinCheck } from './within.js';

export type { CheckHandler } from './check.js';

export const CHECKS: ReadonlyMap<string, CheckHandler> = new Map<string, CheckHandler>([
  ['entry', entryCheck],
  ['direct-map', directMapCheck],
  ['cached', cachedCheck],
  ['keys', keysCheck],
  ['pageblock-freetype', pageblockFreetypeCheck],
  ['process', processCheck],
  ['within', withinCheck],
]);
