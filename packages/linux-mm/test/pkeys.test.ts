import { describe, expect, it } from 'vitest';
import {
  createProcess,
  doMmap,
  doMprotectPkey,
  EBUSY,
  EINVAL,
  ENOMEM,
  ENOSPC,
  execTask,
  forkTask,
  madviseDontneed,
  PAGE_SIZE,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_WRITE,
  pkeyAlloc,
  pkeyFree,
  ptePkey,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  runTask,
  swapOut,
  handleMmFault,
  type LinuxMm,
  type Task,
} from '../src/index.js';
import { makeMachine } from './fake-arch.js';
import { mmapAt, req } from './helpers.js';

function setup(variant: 'vma' | 'pkey-free-scan' | 'pkey-mprotect-noflush' = 'vma') {
  const { arch, lm } = makeMachine(4, 8192, (c) => ({ ...c, pkey: variant }));
  const task = createProcess(lm);
  runTask(lm, 0, task);
  return { arch, lm, task };
}

function keyAt(lm: LinuxMm, task: Task, addr: number): number {
  return ptePkey(lm.pgtables.readEntry(task.mm, addr, 1));
}

describe('pkey_alloc / pkey_free (spec linux.md §6.1, §6.2)', () => {
  it('hands out the lowest free key (key 0 is allocated at mm creation) and ENOSPC after 15', () => {
    const { lm, task } = setup();
    expect(task.mm.pkeyAllocationMap).toBe(0x1);
    const keys = Array.from({ length: 15 }, () => pkeyAlloc(lm, 0, task, 0, 0));
    expect(keys).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(pkeyAlloc(lm, 0, task, 0, 0)).toBe(-ENOSPC);
  });

  it('rejects flags ≠ 0 and rights outside PKEY_ACCESS_MASK with EINVAL', () => {
    const { lm, task } = setup();
    expect(pkeyAlloc(lm, 0, task, 1, 0)).toBe(-EINVAL);
    expect(pkeyAlloc(lm, 0, task, 0, 0x4)).toBe(-EINVAL);
  });

  it('sets the rights in the calling thread only, without any flush', () => {
    const { arch, lm, task } = setup();
    // A second thread of the same process on CPU 1 (clone(CLONE_VM) copies the creator's register).
    const other = lm.newTask(task.pid, task.mm, lm.arch.pkeys.initRegister);
    runTask(lm, 1, other);
    runTask(lm, 0, task);
    arch.clear();
    const k = pkeyAlloc(lm, 0, task, 0, PKEY_DISABLE_WRITE);
    expect(lm.arch.pkeys.rightsOf(task.pkeyRegister, k)).toBe(PKEY_DISABLE_WRITE);
    // init_pkru_value gives every key but 0 access-disable; the other thread keeps it.
    expect(lm.arch.pkeys.rightsOf(other.pkeyRegister, k)).toBe(PKEY_DISABLE_ACCESS);
    expect(arch.log).toEqual([`wrpkru 0 ${task.pkeyRegister.toString(16)}`]);
  });

  it('pkey_free clears the bit only: memory keeps the key and the next pkey_alloc returns it again', () => {
    const { lm, task } = setup();
    const k = pkeyAlloc(lm, 0, task, 0, 0);
    mmapAt(lm, task, 0x400000, 2);
    expect(doMprotectPkey(lm, 0, task, 0x400000, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, k)).toBe(0);
    expect(pkeyFree(lm, task.mm, k)).toBe(0);
    expect(keyAt(lm, task, 0x400000)).toBe(k);
    expect(task.mm.vmas[0].pkey).toBe(k);
    expect(pkeyAlloc(lm, 0, task, 0, 0)).toBe(k);
    expect(pkeyFree(lm, task.mm, 9)).toBe(-EINVAL);
  });

  it('pkey-free-scan refuses to free a key still bound to a VMA', () => {
    const { lm, task } = setup('pkey-free-scan');
    const k = pkeyAlloc(lm, 0, task, 0, 0);
    mmapAt(lm, task, 0x400000, 1);
    doMprotectPkey(lm, 0, task, 0x400000, PAGE_SIZE, PROT_READ, k);
    expect(pkeyFree(lm, task.mm, k)).toBe(-EBUSY);
  });
});

describe('the execute-only key (arch/x86/mm/pkeys.c)', () => {
  it('mprotect(PROT_EXEC) allocates it on first use and denies data access in the calling thread', () => {
    const { lm, task } = setup();
    mmapAt(lm, task, 0x400000, 1, PROT_READ | PROT_EXEC);
    expect(doMprotectPkey(lm, 0, task, 0x400000, PAGE_SIZE, PROT_EXEC, -1)).toBe(0);
    expect(task.mm.executeOnlyPkey).toBe(1);
    expect(task.mm.vmas[0].pkey).toBe(1);
    expect(lm.arch.pkeys.rightsOf(task.pkeyRegister, 1)).toBe(PKEY_DISABLE_ACCESS);
    // A data read now faults on the key; an instruction fetch does not consult PKRU.
    expect(handleMmFault(lm, 0, task, 0x400000, 'read')).toBe('fault:key');
    expect(handleMmFault(lm, 0, task, 0x400000, 'exec')).toBe('ok');
  });

  it('is not available to pkey_mprotect or pkey_free (mm_pkey_is_allocated)', () => {
    const { lm, task } = setup();
    mmapAt(lm, task, 0x400000, 1, PROT_EXEC);
    const x = task.mm.executeOnlyPkey;
    expect(x).toBe(1);
    expect(doMprotectPkey(lm, 0, task, 0x400000, PAGE_SIZE, PROT_READ, x)).toBe(-EINVAL);
    expect(pkeyFree(lm, task.mm, x)).toBe(-EINVAL);
    // ... and pkey_alloc skips it.
    expect(pkeyAlloc(lm, 0, task, 0, 0)).toBe(2);
  });

  it('leaving execute-only falls back to key 0; plain mprotect otherwise keeps the VMA key', () => {
    const { lm, task } = setup();
    mmapAt(lm, task, 0x400000, 1, PROT_EXEC);
    expect(task.mm.vmas[0].pkey).toBe(1);
    doMprotectPkey(lm, 0, task, 0x400000, PAGE_SIZE, PROT_READ | PROT_EXEC, -1);
    expect(task.mm.vmas[0].pkey).toBe(0);
    const k = pkeyAlloc(lm, 0, task, 0, 0);
    doMprotectPkey(lm, 0, task, 0x400000, PAGE_SIZE, PROT_READ, k);
    doMprotectPkey(lm, 0, task, 0x400000, PAGE_SIZE, PROT_READ | PROT_WRITE, -1);
    expect(task.mm.vmas[0].pkey).toBe(k);
  });
});

describe('fault classification (arch/x86/mm/fault.c access_error, bad_area_access_error)', () => {
  it('a key that denies the access wins over the VMA permission: SEGV_PKUERR, not SEGV_ACCERR', () => {
    const { lm, task } = setup();
    const k = pkeyAlloc(lm, 0, task, 0, PKEY_DISABLE_ACCESS);
    mmapAt(lm, task, 0x400000, 1, PROT_READ);
    doMprotectPkey(lm, 0, task, 0x400000, PAGE_SIZE, PROT_READ, k);
    expect(handleMmFault(lm, 0, task, 0x400000, 'write')).toBe('fault:key');
    expect(handleMmFault(lm, 0, task, 0x400000, 'read')).toBe('fault:key');
    // With the key open again, the read-only VMA refuses the write on its own.
    lm.processes.setKeyRights(0, k, PROT_READ | PROT_WRITE);
    expect(handleMmFault(lm, 0, task, 0x400000, 'write')).toBe('fault:write');
  });
});

describe('the key lives in the VMA (spec linux.md §6.2, §6.4)', () => {
  it('survives swap-out and refault, and MADV_DONTNEED and refault', () => {
    const { lm, task } = setup();
    const k = pkeyAlloc(lm, 0, task, 0, 0);
    mmapAt(lm, task, 0x400000, 2);
    doMprotectPkey(lm, 0, task, 0x400000, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, k);
    expect(keyAt(lm, task, 0x400000)).toBe(k);
    expect(swapOut(lm, 0, task.mm)).toBe(2);
    expect(keyAt(lm, task, 0x400000)).toBe(0); // a swap entry holds no key
    expect(handleMmFault(lm, 0, task, 0x400000, 'read')).toBe('ok');
    expect(keyAt(lm, task, 0x400000)).toBe(k);
    expect(madviseDontneed(lm, 0, task.mm, 0x400000, 0x402000)).toBe(0);
    expect(lm.pgtables.readEntry(task.mm, 0x400000, 1)).toBe(0);
    handleMmFault(lm, 0, task, 0x400000, 'write');
    expect(keyAt(lm, task, 0x400000)).toBe(k);
  });

  it('munmap keeps the key allocated; a new mapping at the address gets key 0', () => {
    const { lm, task } = setup();
    const k = pkeyAlloc(lm, 0, task, 0, 0);
    mmapAt(lm, task, 0x400000, 1);
    doMprotectPkey(lm, 0, task, 0x400000, PAGE_SIZE, PROT_READ, k);
    doMmap(lm, 0, task, req(0x400000, 1)); // MAP_FIXED replaces
    expect(task.mm.vmas[0].pkey).toBe(0);
    expect(keyAt(lm, task, 0x400000)).toBe(0);
    expect(task.mm.pkeyAllocationMap & (1 << k)).not.toBe(0);
  });

  it('pkey_mprotect over P present pages is one ranged flush; unchanged flags flush nothing', () => {
    const { arch, lm, task } = setup();
    const k = pkeyAlloc(lm, 0, task, 0, 0);
    mmapAt(lm, task, 0x400000, 4);
    arch.clear();
    doMprotectPkey(lm, 0, task, 0x400000, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, k);
    expect(arch.tlbFlushes).toHaveLength(1);
    expect(arch.tlbFlushes[0]).toMatchObject({ start: 0x400000, end: 0x404000, freedTables: false });
    arch.clear();
    doMprotectPkey(lm, 0, task, 0x400000, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, k);
    expect(arch.tlbFlushes).toHaveLength(0);
  });

  it('the unsafe pkey-mprotect-noflush variant rewrites the PTEs without a flush', () => {
    const { arch, lm, task } = setup('pkey-mprotect-noflush');
    const k = pkeyAlloc(lm, 0, task, 0, 0);
    mmapAt(lm, task, 0x400000, 4);
    arch.clear();
    doMprotectPkey(lm, 0, task, 0x400000, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, k);
    expect(keyAt(lm, task, 0x400000)).toBe(k);
    expect(arch.tlbFlushes).toHaveLength(0);
  });

  it('a key bound to part of a VMA splits it, and the parts merge again when the key goes back', () => {
    const { lm, task } = setup();
    const k = pkeyAlloc(lm, 0, task, 0, 0);
    mmapAt(lm, task, 0x400000, 4);
    doMprotectPkey(lm, 0, task, 0x401000, PAGE_SIZE, PROT_READ | PROT_WRITE, k);
    expect(task.mm.vmas.map((v) => [v.vmStart, v.vmEnd, v.pkey])).toEqual([
      [0x400000, 0x401000, 0],
      [0x401000, 0x402000, k],
      [0x402000, 0x404000, 0],
    ]);
    doMprotectPkey(lm, 0, task, 0x401000, PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
    expect(task.mm.vmas.map((v) => [v.vmStart, v.vmEnd])).toEqual([[0x400000, 0x404000]]);
  });

  it('holes give ENOMEM', () => {
    const { lm, task } = setup();
    mmapAt(lm, task, 0x400000, 1);
    mmapAt(lm, task, 0x402000, 1);
    expect(doMprotectPkey(lm, 0, task, 0x400000, 3 * PAGE_SIZE, PROT_READ, -1)).toBe(-ENOMEM);
  });
});

describe('fork and exec (spec linux.md §6.2)', () => {
  it('fork copies VMAs with their keys, the allocation map and the forking thread’s register', () => {
    const { lm, task } = setup();
    const k = pkeyAlloc(lm, 0, task, 0, PKEY_DISABLE_WRITE);
    mmapAt(lm, task, 0x400000, 2);
    doMprotectPkey(lm, 0, task, 0x400000, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, k);
    const child = forkTask(lm, 0, task);
    expect(child.mm.pkeyAllocationMap).toBe(task.mm.pkeyAllocationMap);
    expect(child.pkeyRegister).toBe(task.pkeyRegister);
    expect(child.mm.vmas[0].pkey).toBe(k);
    expect(keyAt(lm, child, 0x400000)).toBe(k);
    // Private pages are copies, not shared frames.
    expect(lm.pgtables.readEntry(child.mm, 0x400000, 1)).not.toBe(
      lm.pgtables.readEntry(task.mm, 0x400000, 1),
    );
  });

  it('exec resets the map to 0x1, the execute-only key to −1 and the register to init_pkru_value', () => {
    const { lm, task } = setup();
    pkeyAlloc(lm, 0, task, 0, 0);
    mmapAt(lm, task, 0x400000, 1, PROT_EXEC);
    const freeBefore = lm.allocator.freePageCount();
    execTask(lm, 0, task);
    expect(task.mm.pkeyAllocationMap).toBe(0x1);
    expect(task.mm.executeOnlyPkey).toBe(-1);
    expect(task.pkeyRegister).toBe(0x55555554);
    expect(task.mm.vmas).toHaveLength(0);
    // The old mm's page, its PTE/PMD/PUD tables and pgd are back; the new mm took one pgd.
    expect(lm.allocator.freePageCount()).toBe(freeBefore + 1 + 3 + 1 - 1);
  });
});
