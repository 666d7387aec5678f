// @shootdown/policy-arm64-pkey: Linux on arm64 with kpkeys page-table protection, POE user keys and the arm64
// TLB maintenance rules. Found and loaded like any third-party plug-in: `register(ctx)` adds the policy, its
// counters and its probe.
import type { PolicyMap, RegisterContext } from '@shootdown/core';
import { ARM64_COUNTERS, kpkeysAllocatorProbe, linearMapProbe } from './probe.js';
import { arm64Pkey } from './policy.js';

export const policies = { 'arm64-pkey': arm64Pkey } satisfies PolicyMap;

export function register(ctx: RegisterContext): void {
  for (const p of Object.values(policies)) ctx.registry.addPolicy(p);
  for (const c of ARM64_COUNTERS) ctx.registry.addCounter(c);
  ctx.registry.addProbe(linearMapProbe);
  ctx.registry.addProbe(kpkeysAllocatorProbe);
}

export { arm64Pkey } from './policy.js';
export * from './constants.js';
export * from './poe.js';
export * from './tlbflush.js';
export * from './tlb-gather.js';
export * from './linear-map.js';
export * from './variants.js';
export * from './nested-gather.js';
export type { PtpAllocator, BuddyPort, PkeyPort, CounterPort } from './ptp/types.js';
export { BlockCachePtpAllocator, PBA_NR_RESERVED_PAGES, REFILL_ORDERS } from './ptp/block-cache.js';
export { PerPagePtpAllocator } from './ptp/per-page.js';
export { FreetypePtpAllocator } from './ptp/freetype.js';
export { UnprotectedPtpAllocator } from './ptp/unprotected.js';
export { ARM64_RUN, type Arm64Run } from './run-state.js';
