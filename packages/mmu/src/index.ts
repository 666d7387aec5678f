// @shootdown/mmu — the simulated hardware. See README.md for the guide.
export * from './constants.js';
export type { ArchDescriptor, DecodedEntry, KernelLayout } from './arch/types.js';
export { x86_64 } from './arch/x86_64.js';
export { arm64 } from './arch/arm64.js';
export {
  validateMachineParams,
  parseMemory,
  parseSize,
  SIZE_PATTERN,
  formatSchemaErrors,
  loadMachineSchema,
  type ArchName,
  type MachineParams,
  type MachineParamsInput,
  type Validation,
} from './params.js';
export {
  defaultCostModel,
  validateCostModel,
  loadCostModelSchema,
  type CostModel,
  type CostModelInput,
} from './costs.js';
export type { SchemaError, JsonSchema } from './schema-check.js';
export {
  STANDARD_COUNTERS,
  type CostProfileReport,
  type CounterSnapshot,
  type ProfiledEvent,
  type StandardCounter,
} from './counters.js';
export { Frames, BUILTIN_TAGS, TAG_FREE, TAG_PAGE_TABLE } from './frames.js';
export { ArrayLease, type LeasedArray, type LeasedArrayConstructor } from './array-pool.js';
export { ChunkCounts, CHUNK2_SHIFT, CHUNK3_SHIFT, type FrameVisit } from './chunks.js';
export type { ReachKind } from './reverse.js';
export type { SpaceId, EntryView, LookupResult } from './core.js';
export type {
  BbmViolation,
  ChangeCause,
  MmuEvent,
  MmuEventSink,
  MmuObserver,
  TableLink,
  TagOverlap,
} from './events.js';
export type {
  Reachers,
  CachedTranslation,
  ValidTranslation,
  StaleWalkEntry,
  FreedTableWalk,
} from './queries.js';
export { Machine, levelSize, type TlbiArgs, type IpiTargets, type RegimeEntry } from './machine.js';
export { tableIndex } from './tables.js';
export { createMachine, validateMachine, MachineConfigError, type ValidMachine } from './create.js';
export { pteFlags, describeFlags, type EntryBits } from './bits.js';

import { arm64 } from './arch/arm64.js';
import { x86_64 } from './arch/x86_64.js';
/** Arch descriptors by name. */
export const arches = { x86_64, arm64 } as const;
