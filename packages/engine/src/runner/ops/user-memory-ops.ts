// mmap, munmap, mprotect, key-assign, key-clear, swapout, msync-invalidate, madvise-dontneed, revoke
// → the `VmMap` of the process running on the step's CPU (and `Kernel.revoke`).
import { PAGE_SIZE, parseProt, type VmMap } from '@shootdown/core';
import type {
  KeyAssignStep,
  KeyClearStep,
  MadviseDontneedStep,
  MmapStep,
  MprotectStep,
  MsyncInvalidateStep,
  MunmapStep,
  RevokeStep,
  SwapoutStep,
} from '../../scenario/types.js';
import { UNSUPPORTED, fromReport, StepSkipped, type StepOutcome } from '../report.js';
import { currentPid, rangeOf, regionOf } from '../resolve.js';
import type { RunState } from '../state.js';

function vmMapOn(state: RunState, cpu: number): { map: VmMap; pid: number } | undefined {
  const table = state.vmMaps;
  if (table === undefined || state.kernel === undefined) return undefined;
  const pid = currentPid(state, cpu);
  const map = table.of(pid);
  if (map === undefined) throw new StepSkipped(`process ${pid} has no address space`);
  return { map, pid };
}

/**
 * A user region's frames, none seen yet (-1 each): pushed into a list, not `new Array(n).fill(-1)`, which is
 * a list with holes to V8 — another array class than the other regions' frame lists, and the code reading
 * `region.frames`, optimised for one, was deoptimised by the other.
 */
function unseenFrames(pages: number): number[] {
  const frames: number[] = [];
  for (let i = 0; i < pages; i++) frames.push(-1);
  return frames;
}

export function mmapOp(state: RunState, step: MmapStep): StepOutcome {
  const vm = vmMapOn(state, step.cpu);
  if (vm === undefined) return UNSUPPORTED;
  let addr = step.addr ?? undefined;
  if (step.at !== null) addr = regionOf(state, step.at).start;
  const r = vm.map.map(
    { cpu: step.cpu },
    {
      pages: step.pages,
      prot: parseProt(step.prot)!,
      flags: step.flags,
      ...(addr !== undefined ? { addr } : {}),
      ...(step.align !== null ? { align: step.align } : {}),
    },
  );
  if (r.start !== undefined) {
    state.names.defineRegion({
      id: step.id,
      kind: 'user',
      start: r.start,
      pages: step.pages,
      frames: unseenFrames(step.pages),
      order: null,
      space: vm.pid,
    });
  }
  return fromReport(r);
}

type RangeStep = MunmapStep | MprotectStep | MsyncInvalidateStep | MadviseDontneedStep;

export function rangeOp(state: RunState, step: RangeStep): StepOutcome {
  const vm = vmMapOn(state, step.cpu);
  if (vm === undefined) return UNSUPPORTED;
  const { start, end } = rangeOf(state, step.range);
  const ctx = { cpu: step.cpu };
  switch (step.op) {
    case 'munmap':
      return fromReport(vm.map.unmap(ctx, start, end));
    case 'mprotect':
      return fromReport(vm.map.protect(ctx, start, end, parseProt(step.prot)!));
    case 'msync-invalidate':
      return fromReport(vm.map.invalidate(ctx, start, end));
    case 'madvise-dontneed':
      return fromReport(vm.map.discard(ctx, start, end));
  }
}

export function keyAssignOp(state: RunState, step: KeyAssignStep): StepOutcome {
  const vm = vmMapOn(state, step.cpu);
  if (vm === undefined) return UNSUPPORTED;
  const key = state.names.key(step.key);
  if (key === undefined) throw new StepSkipped('key was not allocated under this policy');
  const { start, end } = rangeOf(state, step.range);
  return fromReport(vm.map.assignKey({ cpu: step.cpu }, start, end, key, step.flags));
}

export function keyClearOp(state: RunState, step: KeyClearStep): StepOutcome {
  const vm = vmMapOn(state, step.cpu);
  if (vm === undefined) return UNSUPPORTED;
  const { start, end } = rangeOf(state, step.range);
  return fromReport(vm.map.clearKey({ cpu: step.cpu }, start, end));
}

export function swapoutOp(state: RunState, step: SwapoutStep): StepOutcome {
  const vm = vmMapOn(state, step.cpu);
  if (vm === undefined) return UNSUPPORTED;
  if (step.range === null) return fromReport(vm.map.swapOut({ cpu: step.cpu }));
  const { start, end } = rangeOf(state, step.range);
  return fromReport(vm.map.swapOut({ cpu: step.cpu }, start, end));
}

export function revokeOp(state: RunState, step: RevokeStep): StepOutcome {
  const k = state.kernel;
  if (k === undefined) return UNSUPPORTED;
  const { start, pages, region } = rangeOf(state, step.range);
  const pid =
    region !== null && typeof region.space === 'number' ? region.space : currentPid(state, step.cpu);
  return fromReport(k.revoke(step.cpu, pid, start, start + pages * PAGE_SIZE));
}
