// Turning the scenario's addressing (regions, ranges, frame selectors) into addresses and frames of
// this run (DESIGN §4 "Addressing"). A name the policy never defined (its defining op was unsupported)
// makes the step `skipped`, with the reason in the notes.
import { PAGE_SIZE, type Pfn, type Va } from '@shootdown/core';
import type { AddressRange, FrameSelector, RegionRange, RegionSpan } from '../scenario/types.js';
import { NameTables, type Region } from './regions.js';
import { StepSkipped } from './report.js';
import type { RunState } from './state.js';

export function regionOf(state: RunState, id: string): Region {
  const r = state.names.region(id);
  if (r === undefined) throw new StepSkipped(`region '${id}' was not created under this policy`);
  return r;
}

/** `[start, end)` and page count of a region range. */
export function rangeOf(
  state: RunState,
  range: RegionRange | AddressRange | RegionSpan,
): { start: Va; end: Va; pages: number; region: Region | null } {
  if (range.kind === 'regions') return spanOf(state, range);
  if (range.kind === 'range') {
    return {
      start: range.from,
      end: range.to,
      pages: Math.ceil((range.to - range.from) / PAGE_SIZE),
      region: null,
    };
  }
  const region = regionOf(state, range.region);
  const pages = range.pages ?? Math.max(0, region.pages - range.page);
  const start = NameTables.address(region, range.page);
  return { start, end: start + pages * PAGE_SIZE, pages, region };
}

/** The span several whole regions cover, holes included: [lowest start, highest end). The loader checked
 *  that they were mapped in one address space; a policy that placed them in two is told apart here. */
function spanOf(state: RunState, span: RegionSpan): { start: Va; end: Va; pages: number; region: null } {
  let start = Infinity;
  let end = 0;
  let space: Region['space'] | undefined;
  for (const id of span.regions) {
    const r = regionOf(state, id);
    if (space !== undefined && r.space !== space)
      throw new StepSkipped(`regions ${span.regions.join(', ')} are not in one address space`);
    space = r.space;
    start = Math.min(start, r.start);
    end = Math.max(end, r.start + r.pages * PAGE_SIZE);
  }
  return { start, end, pages: (end - start) / PAGE_SIZE, region: null };
}

/** The process running on `cpu`, or a skipped step when there is none (or no kernel contract). */
export function currentPid(state: RunState, cpu: number): number {
  const pid = state.kernel?.current(cpu) ?? null;
  if (pid === null) throw new StepSkipped(`no process runs on CPU ${cpu}`);
  return pid;
}

export function pidOf(state: RunState, id: string): number {
  const pid = state.names.processes.get(id);
  if (pid === undefined) throw new StepSkipped(`process '${id}' was not created under this policy`);
  return pid;
}

/** Frame behind page `page` of a region: user regions read the current mapping of the process on
 *  `cpu` and remember it (so the frame can still be named after munmap); others use their frames. */
export function frameOfPage(state: RunState, region: Region, page: number, cpu: number): Pfn {
  if (region.kind === 'user') {
    const kernel = state.kernel;
    const pid = kernel?.current(cpu) ?? (typeof region.space === 'number' ? region.space : null);
    if (kernel !== undefined && pid !== null) {
      const now = kernel.framesOf(pid, NameTables.address(region, page), 1)[0] ?? -1;
      if (now >= 0) {
        region.frames[page] = now;
        return now;
      }
    }
  }
  return region.frames[page] ?? -1;
}

/** Resolve a frame selector; -1 when the selector names no frame right now. */
export function frameOf(state: RunState, sel: FrameSelector, cpu: number): Pfn {
  if (sel.kind === 'frame-of' && sel.hw === true) return state.hw.hwFrame(sel.region) ?? -1;
  if (sel.kind === 'frame-of') return frameOfPage(state, regionOf(state, sel.region), sel.page, cpu);
  const pmaps = state.pmaps;
  if (pmaps === undefined) return -1;
  let space: number;
  let va: Va;
  if (sel.region === 'kernel-image') {
    const w = state.kernel?.window('kernel-image');
    if (w === undefined) throw new StepSkipped(`the policy names no kernel-image window`);
    space = pmaps.kernel.space;
    va = w.start + sel.page * PAGE_SIZE;
  } else if (sel.via === 'direct-map') {
    // The linear map belongs to the kernel: walk the kernel's tables to the frame's alias.
    const kernel = state.kernel;
    const pfn = frameOfPage(state, regionOf(state, sel.region), sel.page, cpu);
    if (kernel === undefined || pfn < 0) return -1;
    space = pmaps.kernel.space;
    va = kernel.directMapAddress(pfn);
  } else {
    const region = regionOf(state, sel.region);
    va = NameTables.address(region, sel.page);
    if (region.kind === 'user') {
      const pmap = pmaps.of(currentPid(state, cpu));
      if (pmap === undefined) return -1;
      space = pmap.space;
    } else {
      space = pmaps.kernel.space;
    }
  }
  return state.hw.tableFrame(space, va, sel.level) ?? -1;
}
