// flush-kernel-range → Kernel.flushKernelRange (a bare flush_tlb_kernel_range / pmap_invalidate_range on the
// kernel pmap); frame → a name for a frame nobody allocated through this step (DESIGN §4 "Addressing").
import { PAGE_SIZE, Tokens, type Pfn } from '@shootdown/core';
import type { FlushKernelRangeStep, FrameStep } from '../../scenario/types.js';
import { OK, StepSkipped, UNSUPPORTED, fromReport, type StepOutcome } from '../report.js';
import { frameOf, frameOfPage, rangeOf } from '../resolve.js';
import type { RunState } from '../state.js';

export function flushKernelRangeOp(state: RunState, step: FlushKernelRangeStep): StepOutcome {
  const k = state.kernel;
  if (k?.flushKernelRange === undefined) return UNSUPPORTED;
  const { start, end, pages, region } = rangeOf(state, step.range);
  if (step.via === 'own') return fromReport(k.flushKernelRange(step.cpu, start, end));
  // The linear-map range of the frames, [min, max] of their linear addresses (vm_reset_perms, mm/vmalloc.c).
  let lo = Number.POSITIVE_INFINITY;
  let hi = -1;
  for (let i = 0; i < pages; i++) {
    const pfn: Pfn = frameOfPage(state, region!, step.range.page + i, step.cpu);
    if (pfn < 0) continue;
    const va = k.directMapAddress(pfn);
    lo = Math.min(lo, va);
    hi = Math.max(hi, va + PAGE_SIZE);
  }
  if (hi < 0) throw new StepSkipped(`region '${step.range.region}' has no frames to flush`);
  return fromReport(k.flushKernelRange(step.cpu, lo, hi));
}

export function frameOp(state: RunState, step: FrameStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  const base = frameOf(state, step.of, step.cpu);
  if (base < 0) throw new StepSkipped(`the frame selector of '${step.id}' names no frame now`);
  const pfn = base + step.offset;
  const frames = state.contract(Tokens.FrameBook)?.frames ?? Number.POSITIVE_INFINITY;
  if (pfn < 0 || pfn >= frames) throw new StepSkipped(`frame ${pfn} is outside memory`);
  state.names.defineRegion({
    id: step.id,
    kind: 'frame',
    start: k.directMapAddress(pfn),
    pages: 1,
    frames: [pfn],
    order: null,
    space: 'kernel',
  });
  return OK;
}
