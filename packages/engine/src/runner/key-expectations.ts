// Feeding `pkey-kept`: the keys each range should hold, from the scenario's explicit operations only
// (key-assign sets; key-clear, munmap, a replacing mmap, exec remove; fork copies) — never from what a
// policy does implicitly, which is what the invariant judges.
import { PAGE_SIZE, type FrameTable } from '@shootdown/core';
import type { Step } from '../scenario/types.js';
import type { StepOutcome } from './report.js';
import { rangeOf } from './resolve.js';
import type { RunState } from './state.js';

export function recordKeyIntent(state: RunState, book: FrameTable, step: Step, out: StepOutcome): void {
  if (out.outcome !== 'ok') return;
  const k = state.kernel;
  if (k === undefined) return;
  const pid = k.current(step.cpu);
  switch (step.op) {
    case 'key-assign': {
      const key = state.names.key(step.key);
      if (pid === null || key === undefined) return;
      const { start, end } = rangeOf(state, step.range);
      book.setExpectedKey(pid, start, end, key);
      return;
    }
    case 'key-clear':
    case 'munmap': {
      if (pid === null) return;
      const { start, end } = rangeOf(state, step.range);
      book.clearExpectedKey(pid, start, end);
      return;
    }
    case 'mmap': {
      const r = state.names.region(step.id);
      if (pid === null || r === undefined) return;
      book.clearExpectedKey(pid, r.start, r.start + r.pages * PAGE_SIZE);
      return;
    }
    case 'exec':
      if (pid !== null) book.clearExpectedKeys(pid);
      return;
    case 'fork': {
      const child = state.names.processes.get(step.id);
      if (pid !== null && child !== undefined) book.copyExpectedKeys(pid, child);
      return;
    }
    default:
      return;
  }
}
