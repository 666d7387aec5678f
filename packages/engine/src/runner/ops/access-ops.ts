// access, uaccess, stray-write → `Kernel.access` / `uaccess` / `strayWrite`, one call per page.
import { PAGE_SIZE } from '@shootdown/core';
import type { AccessStep, StrayWriteStep, UaccessStep } from '../../scenario/types.js';
import { NameTables } from '../regions.js';
import { UNSUPPORTED, fromReport, StepSkipped, type StepOutcome } from '../report.js';
import { frameOf, frameOfPage, pidOf, rangeOf, regionOf } from '../resolve.js';
import type { RunState } from '../state.js';
import { combinePages } from './combine.js';

const NOT_PRESENT: StepOutcome = Object.freeze({ outcome: 'fault:not-present' });

export function accessOp(state: RunState, step: AccessStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  const t = step.target;
  if (t.kind === 'space') return UNSUPPORTED; // hardware-level addressing: raw-mmu only
  const pages: StepOutcome[] = [];
  if (t.kind === 'frame-of' || t.kind === 'pagetable-of') {
    // A frame is reached through its linear-map alias; `pages` walks on to the following frames.
    const first = frameOf(state, t, step.cpu);
    for (let i = 0; i < step.pages; i++) {
      pages.push(
        first < 0
          ? NOT_PRESENT
          : fromReport(k.access(step.cpu, k.directMapAddress(first + i), step.kind, false)),
      );
    }
    return combinePages(pages);
  }
  const region = regionOf(state, t.region);
  for (let i = 0; i < step.pages; i++) {
    const page = t.page + i;
    if (step.via === 'direct-map' || region.kind === 'pages') {
      const pfn = frameOfPage(state, region, page, step.cpu);
      pages.push(
        pfn < 0
          ? NOT_PRESENT
          : fromReport(k.access(step.cpu, k.directMapAddress(pfn) + t.offset, step.kind, false)),
      );
    } else {
      const va = NameTables.address(region, page, t.offset);
      pages.push(fromReport(k.access(step.cpu, va, step.kind, region.kind === 'user')));
    }
  }
  return combinePages(pages);
}

export function uaccessOp(state: RunState, step: UaccessStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  const target = step.process === null ? null : pidOf(state, step.process);
  const { start, pages } = rangeOf(state, step.range);
  const out: StepOutcome[] = [];
  for (let i = 0; i < Math.max(1, pages); i++) {
    out.push(fromReport(k.uaccess(step.cpu, start + i * PAGE_SIZE + step.range.offset, step.kind, target)));
  }
  return combinePages(out);
}

export function strayWriteOp(state: RunState, step: StrayWriteStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  const pfn = frameOf(state, step.target, step.cpu);
  if (pfn < 0) throw new StepSkipped('the stray write names no frame');
  const r = fromReport(k.strayWrite(step.cpu, pfn, step.context));
  return { ...r, frame: pfn };
}
