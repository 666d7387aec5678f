// The `check` query interface: one read-only question per file, registered by name in `checks/index.ts`
// (as renderers are), so a plug-in's probe joins the same map through the registry.
import { PAGE_SIZE, formatProt, type EntryInfo, type Pfn, type Va } from '@shootdown/core';
import type { JsonValue, CheckStep } from '../../scenario/types.js';
import { NameTables } from '../regions.js';
import { StepSkipped } from '../report.js';
import { currentPid, frameOf, frameOfPage, rangeOf } from '../resolve.js';
import type { RunState } from '../state.js';

/** Answer a query: a JSON value, or `undefined` when the policy cannot answer it (→ `unsupported`). */
export type CheckHandler = (state: RunState, step: CheckStep) => JsonValue | undefined;

/** The address a check's target names, and whether it is a user address. */
export function targetAddress(state: RunState, step: CheckStep): { va: Va; user: boolean } {
  const t = step.target;
  if (t === undefined) throw new StepSkipped(`check ${step.query ?? ''} needs a region or range`);
  if (t.kind === 'range') return { va: t.from, user: true };
  if (t.kind === 'region') {
    const { region } = rangeOf(state, t);
    return { va: NameTables.address(region!, t.page, t.offset), user: region!.kind === 'user' };
  }
  const k = state.kernel;
  const pfn = frameOf(state, t, step.cpu);
  if (k === undefined || pfn < 0) throw new StepSkipped('the check names no frame');
  return { va: k.directMapAddress(pfn), user: false };
}

/** The frame a check's target names. */
export function targetFrame(state: RunState, step: CheckStep): Pfn {
  const t = step.target;
  if (t === undefined || t.kind === 'range') throw new StepSkipped(`check ${step.query ?? ''} needs a frame`);
  const pfn =
    t.kind === 'region'
      ? frameOfPage(state, rangeOf(state, t).region!, t.page, step.cpu)
      : frameOf(state, t, step.cpu);
  if (pfn < 0) throw new StepSkipped('the check names no frame');
  return pfn;
}

/** The pmap an address resolves in: a user address in the process on the step's CPU, else the kernel's. */
export function pmapFor(state: RunState, step: CheckStep, user: boolean) {
  const pmaps = state.pmaps;
  if (pmaps === undefined) return undefined;
  return user ? pmaps.of(currentPid(state, step.cpu)) : pmaps.kernel;
}

const SIZE_NAMES: Readonly<Record<number, string>> = { 1: '4K', 512: '2M', 262144: '1G' };

/** An entry as `entry` / `direct-map` answer it. */
export function entryJson(e: EntryInfo | undefined): JsonValue {
  if (e === undefined || !e.present) return { present: false };
  return {
    present: true,
    prot: formatProt(e.prot),
    user: e.user,
    global: e.global,
    key: e.key,
    size: SIZE_NAMES[e.pages] ?? `${(e.pages * PAGE_SIZE) / 1024}K`,
    frame: e.pfn,
  };
}
