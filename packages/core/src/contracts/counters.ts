import { STANDARD_COUNTERS } from '@shootdown/mmu';

/**
 * Named event counters. The shared vocabulary (`SHARED_COUNTERS` below — spec linux.md §1.1, §7.1) is
 * bumped by the MMU and by the policies; a policy's own counters carry its prefix (`linux.vmap_purge`)
 * and are declared with `registry.addCounter`. Registered under `Tokens.Counters` by the runner.
 */
export interface Counters {
  add(name: string, delta?: number): void;
  get(name: string): number;
}

/**
 * The counters every policy reports (spec linux.md §1.1, §7.1; arm64 names from arm64-pkey.md §7). The MMU
 * owns the list (it bumps most of them and prints them in this order); core only re-exports it, so a new
 * hardware counter is named in one place.
 */
export const SHARED_COUNTERS: readonly string[] = STANDARD_COUNTERS;
