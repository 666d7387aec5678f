/**
 * Named event counters. The shared vocabulary (`kflush`, `ipi`, `invlpg`, `full`, `lflush`, `split`,
 * `ptalloc`, `ptfree`, `spurious`, `wrpkru`, `tlbi_leaf`, `tlbi_all_levels`, `tlbi_asid`, `dsb`, `walk`,
 * `fill` — spec linux.md §1.1, §7.1) is bumped by the MMU and by the policies; a policy's own counters
 * carry its prefix (`linux.vmap_purge`) and are declared with `registry.addCounter`. Registered under
 * `Tokens.Counters` by the runner.
 */
export interface Counters {
  add(name: string, delta?: number): void;
  get(name: string): number;
}

/** The counters every policy reports (spec linux.md §1.1; arm64 names from arm64-pkey.md §7). */
export const SHARED_COUNTERS: readonly string[] = [
  'kflush',
  'ipi',
  'invlpg',
  'full',
  'lflush',
  'split',
  'ptalloc',
  'ptfree',
  'spurious',
  'wrpkru',
  'tlbi_leaf',
  'tlbi_all_levels',
  'tlbi_asid',
  'dsb',
  'walk',
  'fill',
];
