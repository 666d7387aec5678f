import { FrameState } from '../contracts/frame-book.js';
import type { Invariant } from './invariant.js';

/**
 * `pagetable-write-protected`: where a policy claims it (arm64 kpkeys page-table hardening, spec
 * arm64-pkey.md), a kernel write aimed at a page-table frame from outside the privileged context
 * lands. A write from the privileged context, or one that faults, is fine.
 */
export const pagetableWriteProtected: Invariant = {
  id: 'pagetable-write-protected',
  description: 'A write to a page-table frame succeeds outside the privileged context.',
  strayWrite(ctx, cpu, pfn, context, landed) {
    const isTable = ctx.book.state(pfn) === FrameState.PageTable || ctx.m.frames.tag(pfn) === 'page-table';
    if (!landed || context !== null || !isTable) return;
    ctx.raise('pagetable-write-protected', pfn, {
      cpu,
      address: ctx.m.directMapVa(pfn),
      frame: pfn,
      explanation: `a stray kernel write from the default context landed in page-table frame ${pfn}`,
    });
    // Each landed write is its own event: settle so the next one is reported again.
    ctx.settle('pagetable-write-protected', pfn);
  },
};
