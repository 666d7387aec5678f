// access, uaccess, stray-write → `Kernel.access` / `uaccess` / `strayWrite`, one call per page; speculate
// → a speculative walk of the same addresses by the MMU.
import { PAGE_SIZE, type Kernel } from '@shootdown/core';
import type { AccessStep, SpeculateStep, StrayWriteStep, UaccessStep } from '../../scenario/types.js';
import { NameTables } from '../regions.js';
import { OK, UNSUPPORTED, fromReport, StepSkipped, stepOutcome, type StepOutcome } from '../report.js';
import { frameOf, frameOfPage, pidOf, rangeOf, regionOf } from '../resolve.js';
import type { RunState } from '../state.js';
import { combinePages } from './combine.js';

const NOT_PRESENT: StepOutcome = stepOutcome('fault:not-present');

/** Where one page of an access lands: a virtual address (user half or kernel half), or none when the
 *  selector names no frame. */
type PageAddress = { readonly va: number; readonly user: boolean } | null;

/**
 * The address of each page an OS-level `access` or `speculate` touches. A frame selector, a page region
 * and `via: direct-map` go through the frame's linear-map alias (`pages` walks on to the following
 * frames); a mapped region through its own mapping, in the process on the step's CPU.
 */
function pageAddresses(
  state: RunState,
  k: Kernel,
  t: AccessStep['target'],
  pages: number,
  via: 'own' | 'direct-map',
  cpu: number,
): PageAddress[] {
  const out: PageAddress[] = [];
  if (t.kind === 'space') return out;
  if (t.kind === 'frame-of' || t.kind === 'pagetable-of') {
    const first = frameOf(state, t, cpu);
    for (let i = 0; i < pages; i++)
      out.push(first < 0 ? null : { va: k.directMapAddress(first + i), user: false });
    return out;
  }
  const region = regionOf(state, t.region);
  for (let i = 0; i < pages; i++) {
    const page = t.page + i;
    if (via === 'direct-map' || region.kind === 'pages') {
      const pfn = frameOfPage(state, region, page, cpu);
      out.push(pfn < 0 ? null : { va: k.directMapAddress(pfn) + t.offset, user: false });
    } else {
      out.push({ va: NameTables.address(region, page, t.offset), user: region.kind === 'user' });
    }
  }
  return out;
}

export function accessOp(state: RunState, step: AccessStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  if (step.target.kind === 'space') return UNSUPPORTED; // hardware-level addressing: raw-mmu only
  const addresses = pageAddresses(state, k, step.target, step.pages, step.via, step.cpu);
  return combinePages(
    addresses.map((a) =>
      a === null ? NOT_PRESENT : fromReport(k.access(step.cpu, a.va, step.kind, a.user)),
    ),
  );
}

/**
 * A speculative walk under an OS policy: the CPU walks the tables it has loaded (the process it runs, or
 * the kernel half) and may fill its TLB and walk caches, with no architectural access, no fault and no
 * kernel involvement — which is why the runner asks the MMU directly rather than the policy. It matters
 * under the precise model, where caches hold only what walks put there (DESIGN §2: "speculative walks may
 * fill walk caches too"); under the adversarial model everything reachable already counts as cached.
 */
export function speculateOp(state: RunState, step: SpeculateStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  const side = step.kind === 'exec' ? 'instr' : 'data';
  for (const a of pageAddresses(state, k, step.target, step.pages, step.via, step.cpu)) {
    if (a !== null) state.hw.speculate(step.cpu, a.va, side);
  }
  return OK;
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
  return stepOutcome(r.outcome, r.pages, r.ignored, pfn, r.key, r.value);
}
