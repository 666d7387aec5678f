import {
  PAGE_SHIFT,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  formatProt,
  parseProt,
} from '../contracts/addresses.js';
import { FRAME_MERMAP, FRAME_PT_PROTECTED, FRAME_REVOKED, FrameState } from '../contracts/frame-book.js';
import { SHARED_COUNTERS } from '../contracts/counters.js';
import { errno, isUnsupported, ok, unsupported, withIgnored } from '../contracts/outcome.js';
import { PHASES } from '../contracts/phases.js';
import { deliverFaultSignal, segv } from '../contracts/signals.js';
import { INVARIANT_IDS } from '../policy/invariant-ids.js';
import type { PolicyRegistry } from '../policy/registry.js';
import { Tokens } from '../tokens.js';

/** The manifest API version this core speaks. */
export const API_VERSION = 1;

/** Runtime helpers handed to plug-ins, so an out-of-tree plug-in needs only type imports from us. */
export const pluginHelpers = Object.freeze({
  ok,
  errno,
  unsupported,
  isUnsupported,
  withIgnored,
  parseProt,
  formatProt,
  PAGE_SHIFT,
  PAGE_SIZE,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  PROT_EXEC,
  FrameState,
  FRAME_REVOKED,
  FRAME_MERMAP,
  FRAME_PT_PROTECTED,
  SHARED_COUNTERS,
  PHASES,
  INVARIANT_IDS,
  deliverFaultSignal,
  segv,
});

/**
 * What `register(ctx)` receives. A type alias, not an interface: it may travel through an oclif hook
 * (TOOLCHAIN "Other pitfalls").
 */
export type RegisterContext = {
  readonly apiVersion: typeof API_VERSION;
  /** The host's registry: `addPolicy`, `addVariant`, `addOp`, `addProbe`, `addCounter`, `addRenderer`. */
  readonly registry: PolicyRegistry;
  /** The injection tokens (identical to `Tokens` of any copy of @shootdown/core). */
  readonly tokens: typeof Tokens;
  readonly helpers: typeof pluginHelpers;
};

/** The entry module of a plug-in exports this. */
export type RegisterFunction = (ctx: RegisterContext) => void | Promise<void>;

export function createRegisterContext(registry: PolicyRegistry): RegisterContext {
  return { apiVersion: API_VERSION, registry, tokens: Tokens, helpers: pluginHelpers };
}
