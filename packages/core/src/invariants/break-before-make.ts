import { hex } from './bits.js';
import type { Invariant } from './invariant.js';

const REASONS: Readonly<Record<string, string>> = {
  output: 'a valid entry was replaced by one with another output frame',
  size: 'a valid entry was replaced by one of another size (block ↔ table)',
  conflict: 'an entry was written while a CPU may still hold a different translation for it',
};

/**
 * `break-before-make` (arm64, Arm ARM D8.16): a valid entry is replaced by a different valid one without
 * an invalid entry, a TLBI and a DSB in between (or, with FEAT_BBM level 2, in a way it does not allow).
 * Reported by the MMU at the offending store.
 */
export const breakBeforeMake: Invariant = {
  id: 'break-before-make',
  description: '(arm64) A valid entry is replaced by a different valid one without invalid + TLBI between.',
  bbm(ctx, v) {
    // Keyed by store, not frame: every offending store is its own violation.
    ctx.raise('break-before-make', -1, {
      cpu: v.cpus[0] ?? null,
      address: v.va,
      frame: null,
      explanation: `${REASONS[v.reason] ?? v.reason} at ${hex(v.va)} (level ${v.level})`,
    });
    ctx.settle('break-before-make', -1);
  },
};
