// The HTML report's per-CPU timeline over a recording the size a populate makes: `run populate-unmapped
// --format html` (2,048 pages flushed to 48 CPUs: ~400,000 events) ended in exit 3, "Maximum call stack
// size exceeded", when the timeline's end was taken as Math.max over a spread of every event.
import type { MmuEvent } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { timeline } from '../src/render/html-timeline.js';
import type { RecordedTrace } from '../src/trace/types.js';

const EVENTS = 400_000;

function recording(events: MmuEvent[]): RecordedTrace {
  return {
    scenario: 'many-events',
    selection: 'linux-x86',
    cpus: 2,
    events,
    steps: [{ path: '0', label: 'access', cpu: 0, start: 0, end: 10 }],
    stale: [],
    dropped: 0,
  };
}

describe('html timeline', () => {
  it('draws a recording of hundreds of thousands of events, its axis to the latest end', () => {
    const events: MmuEvent[] = Array.from({ length: EVENTS }, (_, i) => ({
      t: i,
      cpu: i % 2,
      kind: 'store',
    }));
    // the latest end is a flush's, started before the last store and lasting past it
    events[EVENTS - 2] = {
      t: EVENTS - 2,
      dur: 100_000,
      cpu: 1,
      kind: 'flush',
      detail: 'flush_tlb_kernel_range',
    };
    const svg = timeline(recording(events));
    expect(svg.startsWith('<svg class="timeline"')).toBe(true);
    // ticks every 100,000 up to 500,000: the axis covers the flush's end (499,998), not only the last store
    expect(svg).toContain('>500000</text>');
    expect(svg).not.toContain('>600000</text>');
  });

  it('an empty recording still has an axis (its end is 0)', () => {
    expect(timeline(recording([]))).toContain('>0</text>');
  });
});
