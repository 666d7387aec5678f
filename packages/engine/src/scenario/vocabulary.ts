// The words of the language the loader checks names against. Ops come from the scenario schema itself
// (one place to add an op); counters and invariants from DESIGN §2 and §3, overridable by the caller with
// the registry's own lists (a policy may add counters under its prefix).
import { INVARIANT_IDS, SHARED_COUNTERS } from '@shootdown/core';
import { schemaJson, SCENARIO_SCHEMA_ID } from './schema-registry.js';
import { HW_OPS } from './types.js';

/** Counter names of DESIGN §2 ("one vocabulary across all plug-ins"): the MMU's list, through core. */
export const COUNTERS: readonly string[] = SHARED_COUNTERS;

/** Invariant ids of DESIGN §3, owned by core. */
export const INVARIANTS: readonly string[] = INVARIANT_IDS;

/** The check queries of DESIGN §4 (policy probes are `<prefix>.<name>`). */
export const CHECK_QUERIES: readonly string[] = [
  'entry',
  'direct-map',
  'cached',
  'keys',
  'pageblock-freetype',
  'process',
  'within',
];

/**
 * Ops with internal phases (`cleared`, `unlinked`, `flushed`) an `interleave` can stop at: the ones that
 * clear entries and then flush and free — munmap's zap/free_pgtables/tlb_finish_mmu is the model
 * (CVE-2022-39188's race is revoke against munmap, spec linux.md).
 */
export const INTERLEAVABLE: readonly string[] = [
  'munmap',
  'mprotect',
  'madvise-dontneed',
  'msync-invalidate',
  'swapout',
  'revoke',
  'exec',
  'kfree',
  'kprotect',
  'key-assign',
  'key-clear',
  'page-free',
];

/** Ops valid only in a hardware-level scenario (a `hw:` block, `raw-mmu:<arch>`); listed once, in types.ts. */
export const HW_ONLY_OPS: readonly string[] = HW_OPS;

/** Ops valid in both kinds of scenario. */
export const SHARED_OPS: readonly string[] = ['access', 'speculate', 'check', 'repeat'];

let neutral: readonly string[] | undefined;

/** Every op of the neutral vocabulary, read from the scenario schema's `op-<name>` definitions. */
export function neutralOps(): readonly string[] {
  if (neutral === undefined) {
    const defs = (schemaJson(SCENARIO_SCHEMA_ID)?.['$defs'] ?? {}) as Record<string, unknown>;
    neutral = Object.keys(defs)
      .filter((k) => k.startsWith('op-'))
      .map((k) => k.slice(3));
  }
  return neutral;
}

/** Keys the machine offers: `keyWidth` bits, or the architecture's own (x86 PKU 16, arm64 POE 8). */
export function keyCount(machine: Readonly<Record<string, unknown>>): number {
  const width = typeof machine['keyWidth'] === 'number' ? machine['keyWidth'] : 0;
  if (width > 0) return 1 << width;
  // spec freebsd-amd64.md §1 (PMAP_MAX_PKRU_IDX 15) and arm64-pkey.md §1.1 (8 overlay indices)
  return machine['arch'] === 'arm64' ? 8 : 16;
}
