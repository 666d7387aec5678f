// `page-alloc … reuse:` on arm64: the named frames come back off the buddy free lists, and an `unmapped` flag —
// which on the ordinary path removes the folio from the linear map (spec linux.md §4.1, the per-folio zap arm64
// uses) — has no effect there, so the step reports it `ignored` (DESIGN §4) instead of dropping it.
import { describe, expect, it } from 'vitest';
import { Run } from './support/run.js';

const machine = { cpus: 2, memory: '64MiB', directMap: { leaf: '4K' } } as const;

describe('page-alloc reuse', () => {
  it('unmapped on the ordinary path clears the linear-map entry; with reuse it is reported ignored', () => {
    const r = new Run('arm64-pkey', machine);
    const zapped = r.pages.alloc(0, 0, ['unmapped']);
    expect(zapped.outcome).toBe('ok');
    expect(r.pmap.kernel.lookup(r.kernel.directMapAddress(zapped.pfn!))).toBeUndefined();

    const a = r.pages.alloc(0, 0, []);
    expect(r.pages.free(0, a.pfn!, 0).outcome).toBe('ok');
    const again = r.pages.alloc(0, 0, ['unmapped'], [a.pfn!]);
    expect(again).toEqual({ outcome: 'ok', pfn: a.pfn, order: 0, ignored: ['unmapped'] });
    // The reused frame keeps its linear alias: nothing removed it.
    expect(r.pmap.kernel.lookup(r.kernel.directMapAddress(a.pfn!))?.present).toBe(true);
  });
});
