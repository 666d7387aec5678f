// kalloc, kprotect, kfree → `KernelMemory`; page-alloc, page-free, pressure → `PageAllocator`.
import { parseProt, type OpReport, type PageAllocReport, type Pfn } from '@shootdown/core';
import type {
  KallocStep,
  KfreeStep,
  KprotectStep,
  PageAllocStep,
  PageFreeStep,
  PressureStep,
} from '../../scenario/types.js';
import { UNSUPPORTED, fromReport, stepOutcome, type StepOutcome } from '../report.js';
import { rangeOf, regionOf } from '../resolve.js';
import type { RunState } from '../state.js';

export function kallocOp(state: RunState, step: KallocStep): StepOutcome {
  const km = state.kmem;
  if (km === undefined) return UNSUPPORTED;
  const r =
    step.immediate === undefined
      ? km.allocate(step.cpu, step.pages, step.flags)
      : km.allocate(step.cpu, step.pages, step.flags, undefined, { immediate: step.immediate });
  if (r.start !== undefined) {
    state.names.defineRegion({
      id: step.id,
      kind: 'kernel',
      start: r.start,
      pages: step.pages,
      frames: [...(r.frames ?? [])],
      order: null,
      space: 'kernel',
    });
  }
  return fromReport(r);
}

export function kprotectOp(state: RunState, step: KprotectStep): StepOutcome {
  const km = state.kmem;
  if (km === undefined) return UNSUPPORTED;
  const { start, pages } = rangeOf(state, step.range);
  return fromReport(km.protect(step.cpu, start, pages, parseProt(step.prot)!, step.via, step.flush));
}

export function kfreeOp(state: RunState, step: KfreeStep): StepOutcome {
  const km = state.kmem;
  if (km === undefined) return UNSUPPORTED;
  const region = regionOf(state, step.region);
  const r = km.free(step.cpu, region.start);
  if (!r.outcome.startsWith('error:') && r.outcome !== 'unsupported') region.freed = true;
  return fromReport(r);
}

export function pageAllocOp(state: RunState, step: PageAllocStep): StepOutcome {
  const pa = state.allocator;
  const k = state.kernel;
  if (pa === undefined || k === undefined) return UNSUPPORTED;
  const reuse: readonly Pfn[] | undefined =
    step.reuse === null ? undefined : regionOf(state, step.reuse).frames;
  const frames: Pfn[] = [];
  // The step's outcome is its last page's: only that report is converted (a populate has thousands).
  let last: PageAllocReport | undefined;
  let ignored: string[] = [];
  if (step.order !== null) {
    const r = pa.alloc(step.cpu, step.order, step.flags, reuse);
    last = r;
    if (r.pfn !== undefined) for (let i = 0; i < 1 << step.order; i++) frames.push(r.pfn + i);
  } else {
    const n = step.pages ?? 1;
    // `fresh-pageblock` places the first frame; the others follow in the allocator's own order.
    const rest = step.flags.filter((f) => f !== 'fresh-pageblock');
    for (let i = 0; i < n; i++) {
      const want = reuse?.[i];
      const flags = i === 0 ? step.flags : rest;
      const r = pa.alloc(step.cpu, 0, flags, want === undefined || want < 0 ? undefined : [want]);
      last = r;
      // Merged only when the page had something to add: `ignored` stays sorted and distinct between pages.
      if (r.ignored !== undefined && r.ignored.length > 0)
        ignored = [...new Set([...ignored, ...r.ignored])].sort();
      if (r.pfn === undefined) break;
      frames.push(r.pfn);
    }
  }
  if (frames.length > 0) {
    state.names.defineRegion({
      id: step.id,
      kind: 'pages',
      start: k.directMapAddress(frames[0]),
      pages: frames.length,
      frames,
      order: step.order,
      space: 'kernel',
    });
  }
  const out = last === undefined ? UNSUPPORTED : fromReport(last);
  return ignored.length > 0
    ? stepOutcome(out.outcome, out.pages, ignored, out.frame, out.key, out.value)
    : out;
}

export function pageFreeOp(state: RunState, step: PageFreeStep): StepOutcome {
  const pa = state.allocator;
  if (pa === undefined) return UNSUPPORTED;
  const region = regionOf(state, step.region);
  if (region.order !== null) {
    const r = fromReport(pa.free(step.cpu, region.frames[0], region.order));
    region.freed = true;
    return r;
  }
  let last: OpReport | undefined;
  for (const pfn of region.frames) {
    last = pa.free(step.cpu, pfn, 0);
    if (last.outcome !== 'ok') return fromReport(last);
  }
  region.freed = true;
  return last === undefined ? UNSUPPORTED : fromReport(last);
}

export function pressureOp(state: RunState, step: PressureStep): StepOutcome {
  const pa = state.allocator;
  if (pa === undefined) return UNSUPPORTED;
  return fromReport(
    pa.pressure(step.cpu, {
      freePages: step.freePages,
      fragmentOrder: step.fragmentOrder,
      shrink: step.shrink,
    }),
  );
}
