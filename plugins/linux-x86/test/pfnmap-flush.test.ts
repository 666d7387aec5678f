// CVE-2022-39188 (spec linux.md §5.7): munmap of a VM_PFNMAP VMA races with the driver's
// unmap_mapping_range at the `unlinked` phase (free_pgtables has unlinked the VMA, the deferred x86 flush
// has not run). pfn-release is judged when the revoke returns.
import { describe, expect, it } from 'vitest';
import { doMmap, doMunmap, type MmapRequest } from '@shootdown/linux-mm';
import { mmapRequest } from '@shootdown/linux-mm/testing';
import { Run } from './harness.js';

const PAGE = 4096;
const ANON = 0x10000000;
const BAR = ANON + 4 * PAGE;

function req(over: Partial<MmapRequest>): MmapRequest {
  return mmapRequest(0, 4, 3, over);
}

function race(variant: string, pfnmapFirst: boolean) {
  const r = new Run(`linux-x86:pfnmap-flush=${variant}`, { cpus: 4, memory: '64MiB' });
  const lm = r.x86.lm;
  const pid = r.kernel.createProcess(0).pid!;
  for (const cpu of [0, 1, 2]) r.step(() => r.kernel.run(cpu, pid));
  const task = lm.current[0]!;
  if (!pfnmapFirst) r.step(() => doMmap(lm, 0, task, req({ addr: ANON })));
  r.step(() => doMmap(lm, 0, task, req({ addr: BAR, pfnmap: true, shared: true })));
  expect(r.step(() => r.kernel.access(1, BAR, 'read', true)).value.outcome).toBe('ok');
  let revoked = '';
  r.armed.set('unlinked', () => {
    revoked = r.kernel.revoke(2, pid, BAR, BAR + 4 * PAGE).outcome;
  });
  const start = pfnmapFirst ? BAR : ANON;
  const munmap = r.step(() => doMunmap(lm, 0, task, start, BAR + 4 * PAGE - start));
  return { munmap, revoked, armedLeft: r.armed.size };
}

describe('cve-2022-39188 (catalogue pfnmap-flush)', () => {
  it('the interleaved revoke runs at the unlinked phase', () => {
    const { revoked, armedLeft } = race('pfnmap-free-vmas', true);
    expect(armedLeft).toBe(0);
    expect(revoked).toBe('ok');
  });

  it('pfnmap-late (pre-5.19): the revoke finds no VMA and returns while CPU 1 still translates the PFNs', () => {
    expect(race('pfnmap-late', true).munmap.violations).toContain('pfn-release');
  });

  for (const v of ['pfnmap-stable-first', 'pfnmap-end-vma', 'pfnmap-free-vmas-v5', 'pfnmap-free-vmas']) {
    it(`${v}: flushed before the VMA is unlinked — no CPU translates to a revoked PFN`, () => {
      expect(race(v, true).munmap.violations).not.toContain('pfn-release');
    });
  }
});

describe('pfnmap-not-first: an ordinary VMA precedes the PFN mapping in one munmap (Jann Horn)', () => {
  it('pfnmap-stable-first checks only the first VMA: the window is back', () => {
    expect(race('pfnmap-stable-first', false).munmap.violations).toContain('pfn-release');
  });

  for (const v of ['pfnmap-end-vma', 'pfnmap-free-vmas-v5', 'pfnmap-free-vmas']) {
    it(`${v}: still closed`, () => {
      expect(race(v, false).munmap.violations).not.toContain('pfn-release');
    });
  }

  it('pfnmap-late: open as well', () => {
    expect(race('pfnmap-late', false).munmap.violations).toContain('pfn-release');
  });
});
