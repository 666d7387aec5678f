// Lazy-TLB CPUs and freed page tables (spec linux.md §2.3 item 3, §2.6 `x86-skip-lazy-always`), and the
// broadcast comparison model: a munmap that frees the page tables while CPU 1 runs a kernel thread with
// the old CR3 still loaded.
import { describe, expect, it } from 'vitest';
import { doMmap, doMunmap, VM_FLUSH_RESET_PERMS } from '@shootdown/linux-mm';
import { mmapRequest } from '@shootdown/linux-mm/testing';
import { Run } from './harness.js';

function munmapWithLazyCpu(selection: string) {
  const r = new Run(selection, { cpus: 2, memory: '64MiB' });
  const lm = r.x86.lm;
  const pid = r.kernel.createProcess(0).pid!;
  r.step(() => r.kernel.run(0, pid));
  r.step(() => r.kernel.run(1, pid));
  const task = lm.current[0]!;
  const addr = doMmap(lm, 0, task, mmapRequest(0x400000, 4, 3));
  r.step(() => r.kernel.access(1, addr, 'read', true));
  r.step(() => r.kernel.run(1, null));
  return r.step(() => doMunmap(lm, 0, task, addr, 4 * 4096));
}

describe('a lazy CPU when page tables are freed', () => {
  it('mainline: freed_tables IPIs the lazy CPU, which leaves the mm (lflush); nothing points at the freed tables', () => {
    const m = munmapWithLazyCpu('linux-x86');
    expect(m.counters.ipi).toBe(1);
    expect(m.counters.lflush).toBe(1);
    expect(m.violations).not.toContain('freed-pagetable-walk');
  });

  it('x86-skip-lazy-always: the lazy CPU is skipped and keeps walk-cache entries to the freed tables', () => {
    const m = munmapWithLazyCpu('linux-x86:shootdown=x86-skip-lazy-always');
    expect(m.counters.ipi ?? 0).toBe(0);
    expect(m.violations).toContain('freed-pagetable-walk');
  });

  it('arm64-tlbi (broadcast comparison): no IPI, and the broadcast reaches the lazy CPU too', () => {
    const m = munmapWithLazyCpu('linux-x86:shootdown=arm64-tlbi');
    expect(m.counters.ipi ?? 0).toBe(0);
    expect(m.violations).not.toContain('freed-pagetable-walk');
  });
});

describe('arm64-tlbi on a kernel free', () => {
  it('the reset-perms flush-all reaches every CPU without an interrupt', () => {
    const r = new Run('linux-x86:shootdown=arm64-tlbi', {
      cpus: 4,
      memory: '64MiB',
      directMap: { leaf: '4K' },
    });
    const lm = r.x86.lm;
    const area = r.step(() => lm.vmalloc.vmalloc(0, 4, VM_FLUSH_RESET_PERMS)).value!;
    const f = r.step(() => lm.vmalloc.vfree(0, area.addr));
    expect(f.counters.ipi ?? 0).toBe(0);
    expect(f.counters.kflush).toBe(1);
    expect(f.violations).toEqual([]);
  });
});
