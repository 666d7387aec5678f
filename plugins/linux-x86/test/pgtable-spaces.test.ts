// X86Pgtable.spaceOf remembers the mm it answered last (every PTE store asks): the answer must follow the
// mm → space map through pgd_alloc and pgd_free, whatever was asked before.
import { describe, expect, it } from 'vitest';
import { createMachine } from '@shootdown/mmu';
import type { MmStruct } from '@shootdown/linux-mm';
import { X86Pgtable } from '../src/arch/pgtable.js';

describe('X86Pgtable.spaceOf', () => {
  it('names each mm its own space, and none once its pgd is freed', () => {
    const machine = createMachine({ arch: 'x86_64', cpus: 1, memory: '64MiB' });
    const table = (): number => machine.frames.allocAny('page-table');
    const pt = new X86Pgtable(
      machine,
      table,
      () => {},
      12,
      () => {},
    );
    pt.attachFrames({ alloc: table, free: () => {} });
    const init = { id: 0 } as MmStruct;
    const a = { id: 1 } as MmStruct;
    const b = { id: 2 } as MmStruct;
    pt.pgdAlloc(init);
    pt.pgdAlloc(a);
    expect(pt.spaceOf(init)).toBe(machine.kernelSpace);
    const sa = pt.spaceOf(a);
    expect(sa).not.toBe(machine.kernelSpace);
    expect(pt.spaceOf(a)).toBe(sa);
    pt.pgdFree(a, machine.rootOf(sa));
    expect(() => pt.spaceOf(a)).toThrow(/has no address space/);
    pt.pgdAlloc(b);
    const sb = pt.spaceOf(b);
    expect(sb).not.toBe(sa);
    expect(pt.spaceOf(init)).toBe(machine.kernelSpace);
    expect(pt.spaceOf(b)).toBe(sb);
    expect(() => pt.spaceOf(a)).toThrow(/has no address space/);
  });
});
