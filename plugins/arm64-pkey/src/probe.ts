// The plug-in's own counters and its probe: the state of the linear map and of the kpkeys allocator, so a
// scenario can ask how fragmented the linear map became (the long-term cost of splits, spec arm64-pkey.md §3.1).
import type { CounterContribution, ProbeContribution } from '@shootdown/core';
import { BlockCachePtpAllocator } from './ptp/block-cache.js';
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
    // null: a selection the machine does not support (Tokens.Unsupported) built no linear map to describe.
    if (!container.isRegistered(ARM64_RUN, true)) return null;
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

/**
 * The kpkeys page-table allocator (v6 mm/kpkeys_hardened_pgtables.c, spec arm64-pkey.md §5): the boot phase
 * (before or after kpkeys_hardened_pgtables_init_late()), pages cached, how many of the PBA_NR_RESERVED_PAGES
 * reserve pages are present (only __GFP_PGTABLE_SPLIT may take them), refills by order, the early region
 * keyed at late init and the frames of a second early refill left unprotected for good.
 */
export const kpkeysAllocatorProbe: ProbeContribution = {
  name: 'arm64.kpkeys-allocator',
  policies: ['arm64-pkey'],
  description:
    'The kpkeys page-table allocator: boot phase (boot before late init, late after), cached pages, reserve ' +
    'pages present and required, whether the block allocator is on, refills (total and per order), the early ' +
    'region and the early frames left untracked.',
  answer({ container }) {
    if (!container.isRegistered(ARM64_RUN, true)) return null;
    const run = container.resolve(ARM64_RUN);
    const kp = run.arch.kpkeys;
    const ptp = kp.ptp;
    const block = ptp instanceof BlockCachePtpAllocator ? ptp : null;
    const reserved = block?.reservedPages ?? 0;
    const m = run.machine;
    return {
      phase: kp.lateDone ? 'late' : 'boot',
      blockAllocator: block?.blockAllocatorEnabled ?? false,
      cached: ptp.nrCached,
      reserve: Math.min(ptp.nrCached, reserved),
      reserveRequired: reserved,
      refills: m.counter('arm64.ptp_refill'),
      refillsByOrder: {
        9: m.counter('arm64.ptp_refill_order9'),
        4: m.counter('arm64.ptp_refill_order4'),
        2: m.counter('arm64.ptp_refill_order2'),
      },
      earlyRegion: block?.earlyRegionPages ?? 0,
      earlyUntracked: m.counter('arm64.ptp_early_untracked'),
    };
  },
};
