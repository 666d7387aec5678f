// Frames beyond RAM: a PFN mapping of device memory (ioremap, remap_pfn_range of a BAR or a ROM) reaches
// frames the page allocator never owns — never freed, never handed out. The MMU accepts any 32-bit PFN;
// the frame invariants know the machine's frames only and must not read a device frame as a freed one.
import { Access, Mode } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { KEXEC, fixture } from './machine-fixture.js';

const ROM_VA = 2 ** 47 + 2 ** 40; // a kernel-half address outside the linear map

describe('a device frame beyond RAM', () => {
  it('its executable entry unmapped without a flush is no stale executable alias of a freed frame', () => {
    const f = fixture('x86_64', ['stale-exec-alias', 'stale-after-free']);
    const rom = f.m.frames.count; // the first frame past RAM
    f.map(f.m.kernelSpace, ROM_VA, rom, KEXEC); // an option ROM mapped executable
    expect(f.m.access(1, ROM_VA, Access.EXEC, Mode.KERNEL)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, ROM_VA, 1); // iounmap, flush pending
    f.mon.operationReturned();
    expect(f.mon.take()).toEqual([]);
  });
});
