// The plug-in's own counters and its probe: the state of the linear map and of the kpkeys allocator, so a
// scenario can ask how fragmented the linear map became (the long-term cost of splits, spec arm64-pkey.md §3.1).
import type { CounterContribution, ProbeContribution } from '@shootdown/core';
import { ARM64_RUN } from './run-state.js';

export const ARM64_COUNTERS: readonly CounterContribution[] = [
  { name: 'arm64.split_pmd', description: 'linear-map 2 MiB blocks split into 4 KiB pages' },
  { name: 'arm64.split_pud', description: 'linear-map 1 GiB blocks split into 2 MiB blocks' },
  {
    name: 'arm64.split_refused',
    description: 'partial-block linear-map changes refused without BBML2_NOABORT (pageattr -EINVAL)',
  },
  { name: 'arm64.split_fail', description: 'linear-map splits that found no page-table page' },
  { name: 'arm64.ptp_refill', description: 'block-allocator refills (one re-key and flush each)' },
  { name: 'arm64.ptp_refill_order9', description: 'refills served by a 2 MiB block' },
  { name: 'arm64.ptp_refill_order4', description: 'refills served by a 64 KiB block' },
  { name: 'arm64.ptp_refill_order2', description: 'refills served by a 16 KiB block' },
  {
    name: 'arm64.ptp_reserve_used',
    description: 'split tables taken from the 4-page reserve (__GFP_PGTABLE_SPLIT)',
  },
  {
    name: 'arm64.ptp_recursion',
    description: 'a split or refill re-entered itself (would deadlock): allocation failed',
  },
  { name: 'arm64.ptp_alloc_fail', description: 'page-table allocations that returned no page' },
  {
    name: 'arm64.ptp_early_untracked',
    description: 'frames of a second early chunk left unprotected for good',
  },
  { name: 'arm64.ptp_shrunk', description: 'frames the block-allocator shrinker gave back' },
  { name: 'arm64.pageblock_flip', description: 'Design C: pageblocks re-keyed from page tables to data' },
  { name: 'arm64.ptp_deferred', description: 'Design C defer: page tables handed out unprotected' },
  { name: 'arm64.ptp_deferred_keyed', description: 'Design C defer: deferred page tables keyed later' },
];

export const linearMapProbe: ProbeContribution = {
  name: 'arm64.linear-map',
  policies: ['arm64-pkey'],
  description:
    'The linear map and the kpkeys allocator: 4 KiB fraction of the linear map, splits so far, pages cached by ' +
    'the block allocator.',
  answer({ container }) {
    const run = container.resolve(ARM64_RUN);
    const lmap = run.arch.linearMap;
    return {
      fraction4k: Math.round(lmap.fraction4K() * 10000) / 10000,
      splitsPmd: lmap.splitsPmd,
      splitsPud: lmap.splitsPud,
      cached: run.arch.kpkeys.ptp.nrCached,
    };
  },
};
