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

/**
 * Work every variant shares, charged by every policy at the same points so that simulated totals can be
 * held against end-to-end measurements (spec linux.md §7.4, DESIGN §2 "Costs and events"): `syscall` on
 * entering a system call (charged by the runner for the ops that are system calls), `fault` on taking a
 * user page fault (handled or not), `page_alloc` per page handed out by the page allocator, `zero_page`
 * per page zeroed, `copy_page` per page copied (fork's eager copy, copy-on-write, swap-in).
 */
export const SHARED_WORK = ['syscall', 'fault', 'page_alloc', 'zero_page', 'copy_page'] as const;
export type SharedWork = (typeof SHARED_WORK)[number];
