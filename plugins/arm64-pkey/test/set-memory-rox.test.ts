// kprotect rx on arm64 is set_memory_rox(): include/linux/set_memory.h's generic version (arm64 defines no
// native one) is set_memory_ro() then set_memory_x(), and each is one change_memory_common() whose
// __change_memory_common() ends in one flush_tlb_kernel_range() (arch/arm64/mm/pageattr.c). Issue 10 defect
// 6: a third change for the present bit alone was issued as well.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Tokens, type KernelMemory } from '@shootdown/core';
import { Run } from './support/run.js';

describe('set_memory_rox on arm64 (kprotect rx)', () => {
  it('read-only, then executable: two attribute changes, one kernel-range flush each', () => {
    const r = new Run('arm64-pkey', { cpus: 2, memory: '64MiB' });
    const kmem = r.container.resolve(Tokens.KernelMemory) as KernelMemory;
    const pages = 4;
    const area = r.step(() => kmem.allocate(0, pages, [])).value;
    expect(area.outcome).toBe('ok');
    const start = area.start!;
    // Nothing cached from a linear alias: the ro change needs no per-page alias flush here.
    const rox = r.step(() => kmem.protect(0, start, pages, 5 /* PROT_READ | PROT_EXEC */, 'own', true));
    expect(rox.value.outcome).toBe('ok');
    expect(rox.counters.kflush).toBe(2 + pages); // ro: the range + each linear alias (rodata_full); x: the range
    expect(rox.violations).toEqual([]);
    // The area ends read-only and executable.
    expect(r.step(() => r.kernel.access(1, start, 'exec', false)).value.outcome).toBe('ok');
    expect(r.step(() => r.kernel.access(1, start, 'write', false)).value.outcome).toBe('fault:write');
  });
});
