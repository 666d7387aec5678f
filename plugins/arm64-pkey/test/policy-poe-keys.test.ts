// POE user keys through the policy (spec arm64-pkey.md §1.3, linux.md §6): 8 overlay indices with key 0
// allocated at mm creation, rights in POR_EL0 per thread (no TLBI, no IPI), execute gated too, keys bound to VMAs.
import { describe, expect, it } from 'vitest';
import { doMprotectPkey, PROT_EXEC, PROT_READ, PROT_WRITE } from '@shootdown/linux-mm';
import { mmap, Run } from './support/run.js';

function setup() {
  const r = new Run('arm64-pkey', { cpus: 2, memory: '64MiB' });
  const pid = (r.kernel.createProcess(0) as { pid: number }).pid;
  r.kernel.run(0, pid);
  return { r, pid };
}

describe('POE user keys', () => {
  it('seven keys can be allocated (key 0 is the mm default), the eighth allocation fails with ENOSPC', () => {
    const { r } = setup();
    const keys: number[] = [];
    for (let i = 0; i < 7; i++) {
      const rep = r.kernel.keyAlloc(0, null);
      expect(rep.outcome).toBe('ok');
      keys.push(rep.key!);
    }
    expect(keys).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.kernel.keyAlloc(0, null).outcome).toBe('error:ENOSPC');
  });

  it('rights live in POR_EL0 of the thread: changing them costs no TLBI and no IPI, and gates execute too', () => {
    const { r } = setup();
    const lm = r.arm.lm;
    const addr = mmap(r, 0x400000, 1);
    const key = r.kernel.keyAlloc(0, null).key!;
    const prot = PROT_READ | PROT_WRITE | PROT_EXEC;
    expect(doMprotectPkey(lm, 0, lm.task(0)!, addr, 4096, prot, key)).toBe(0);
    expect(r.kernel.access(0, addr, 'exec', true).outcome).toBe('ok');
    const change = r.step(() => r.kernel.setKeyRights(0, key, PROT_READ));
    expect(change.counters.tlbi_leaf ?? 0).toBe(0);
    expect(change.counters.tlbi_all_levels ?? 0).toBe(0);
    expect(change.counters.ipi ?? 0).toBe(0);
    expect(change.counters.wrpkru).toBe(1);
    expect(r.kernel.access(0, addr, 'read', true).outcome).toBe('ok');
    // Unlike x86 PKU, the overlay gates instruction fetch (§1.2).
    expect(r.kernel.access(0, addr, 'exec', true).outcome).toBe('fault:key');
  });

  it('a write denied by the key faults for the thread that denied it only', () => {
    const { r, pid } = setup();
    const lm = r.arm.lm;
    const addr = mmap(r, 0x400000, 1);
    const key = r.kernel.keyAlloc(0, null).key!;
    doMprotectPkey(lm, 0, lm.task(0)!, addr, 4096, PROT_READ | PROT_WRITE, key);
    r.kernel.run(1, pid);
    r.kernel.setKeyRights(0, key, PROT_READ);
    expect(r.kernel.access(1, addr, 'write', true).outcome).toBe('ok');
    expect(r.kernel.access(0, addr, 'write', true).outcome).toBe('fault:key');
  });
});
