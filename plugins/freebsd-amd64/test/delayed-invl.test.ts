// Delayed invalidation (spec freebsd-amd64.md §7.4): "a physical page removed by pmap_remove may not be reused
// … until the removing thread's shootdown completed". A partial reclaim interleaved at the `cleared` phase of
// an munmap pages out the frames whose entries were just cleared; their frees must wait for the shootdown.
import type { Phase } from '@shootdown/core';
import { describe, expect, it } from 'vitest';
import { boot, keyedHeap, mapOn, ok, read, type World } from './harness.js';

describe('pmap_delayed_invl_wait', () => {
  it('a frame cleared by pmap_remove returns to the allocator only after the shootdown', () => {
    let nested: ((phase: Phase) => void) | null = null;
    const w: World = boot('freebsd-amd64', {}, { reach: (phase) => nested?.(phase) });
    const { pid, start, end } = keyedHeap(w, { pages: 2 });
    ok(w.kernel.setKeyRights(1, 1, 3));
    expect(read(w, 1, start)).toBe('ok'); // cpu 1 now caches the entry
    const frame = w.pmaps.of(pid)?.lookup(start)?.pfn as number;
    const seen: boolean[] = [];
    nested = (phase) => {
      if (phase !== 'cleared') return;
      nested = null;
      // vm_swapout on another CPU: the page is no longer mapped, so it is paged out at once …
      ok(mapOn(w, 0).swapOut({ cpu: 1 }, start, end));
      // … but its frame may still be cached on cpu 1: the free waits for the DI block.
      seen.push(w.m.frames.isFree(frame));
    };
    const waits = w.counters.get('freebsd.di_wait');
    ok(mapOn(w, 0).unmap({ cpu: 0 }, start, end));
    expect(seen).toEqual([false]);
    expect(w.counters.get('freebsd.di_wait') - waits).toBe(2);
    expect(w.m.frames.isFree(frame)).toBe(true);
  });
});
