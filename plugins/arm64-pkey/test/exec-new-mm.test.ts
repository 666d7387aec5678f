// execve() under every pt-protection variant: fs/exec.c exec_mmap() installs a fresh mm for the same pid and
// only then drops the old one (mmput → exit_mmap → free_pgtables, then __mmdrop → pgd_free). The new mm gets
// its own ASID (arch/arm64/mm/context.c new_context(): a free ASID from asid_map; the old mm's stays reserved
// until rollover), and the old mm's teardown stores into its own tables. The catalogue's pkey-lifetime
// exec-remap crashed here: both mms were keyed by pid, so the old teardown walked the new, empty tables, and
// the freed pgd could not come back as a lower-level table.
import { describe, expect, it } from 'vitest';
import { PT_VARIANTS } from '../src/variants.js';
import { mmap, Run } from './support/run.js';

describe.each(PT_VARIANTS)('exec under pt-protection=%s', (variant) => {
  it('gives the new mm its own space and ASID, retires the old one, and the same address maps again', () => {
    const r = new Run(`arm64-pkey:pt-protection=${variant}`, { cpus: 2, memory: '64MiB' });
    const pid = (r.kernel.createProcess(0) as { pid: number }).pid;
    r.kernel.run(0, pid);
    const addr = mmap(r, 0x400000, 2);
    expect(r.kernel.access(0, addr, 'write', true).outcome).toBe('ok');
    expect(r.kernel.access(0, addr + 4096, 'write', true).outcome).toBe('ok');
    const before = r.machine.currentSpace(0);
    const oldRoot = r.machine.rootOf(before);

    const exec = r.step(() => r.kernel.exec(0));
    expect(exec.value.outcome).toBe('ok');
    expect(exec.violations).toEqual([]);
    const after = r.machine.currentSpace(0);
    expect(after).not.toBe(before);
    expect(r.machine.asidOf(after)).not.toBe(r.machine.asidOf(before));
    // pgd_free() done: no CPU may load the old root again.
    expect(() => r.machine.setRoot(1, before)).toThrow(/retired/);

    // The new image maps the same address; its tables may reuse the old pgd's frame at any level.
    const again = mmap(r, 0x400000, 2);
    expect(again).toBe(addr);
    const access = r.step(() => r.kernel.access(0, again, 'read', true));
    expect(access.value.outcome).toBe('ok');
    expect(access.violations).toEqual([]);
    expect(r.machine.lookup(after, again).present).toBe(true);
    expect(r.machine.rootOf(after)).not.toBe(oldRoot);
  });
});
