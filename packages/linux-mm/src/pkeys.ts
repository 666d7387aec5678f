/**
 * User protection keys bound to VMAs (spec linux.md §6): the per-mm allocation bitmap and the
 * execute-only key (arch/x86/include/asm/pkeys.h mm_pkey_alloc/mm_pkey_is_allocated,
 * arch/x86/mm/pkeys.c __execute_only_pkey/__arch_override_mprotect_pkey, mm/mprotect.c
 * pkey_alloc/pkey_free). The register format and width are the arch's (PkeyArch).
 */
import {
  EBUSY,
  EINVAL,
  ENOSPC,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_EXECUTE,
  PKEY_DISABLE_READ,
  PKEY_DISABLE_WRITE,
  PROT_EXEC,
  VM_ACCESS_FLAGS,
  VM_EXEC,
} from './constants.js';
import type { LinuxMm } from './linux-mm.js';
import type { MmStruct } from './mm.js';
import type { Task } from './task.js';
import type { VmArea } from './vma.js';

/**
 * mm_pkey_is_allocated(): in range, set in the map, and not the execute-only key (which is in the
 * map but "not available to any of the user interfaces like mprotect_pkey()").
 */
export function mmPkeyIsAllocated(lm: LinuxMm, mm: MmStruct, pkey: number): boolean {
  if (pkey < 0 || pkey >= lm.arch.pkeys.nrPkeys) return false;
  if (pkey === mm.executeOnlyPkey) return false;
  return (mm.pkeyAllocationMap & (1 << pkey)) !== 0;
}

/**
 * The keys of mm->context.pkey_allocation_map, ascending: every key mm_pkey_alloc() will not hand out —
 * key 0, the pkey_alloc() keys and the execute-only key, which __execute_only_pkey takes through
 * mm_pkey_alloc (arch/x86/mm/pkeys.c). mm_pkey_is_allocated() hides only the last from the user interfaces
 * (pkey_mprotect, pkey_free: "set in the allocation map, but is not available to any of the user
 * interfaces"); a question about what is allocated reads the map (issue 10 defect 2).
 */
export function mmPkeyAllocationMap(lm: LinuxMm, mm: MmStruct): number[] {
  const keys: number[] = [];
  for (let k = 0; k < lm.arch.pkeys.nrPkeys; k++) if (mm.pkeyAllocationMap & (1 << k)) keys.push(k);
  return keys;
}

/** mm_pkey_alloc(): the lowest clear bit (ffz), -1 when every key of the arch is taken. */
export function mmPkeyAlloc(lm: LinuxMm, mm: MmStruct): number {
  const all = (1 << lm.arch.pkeys.nrPkeys) - 1;
  if ((mm.pkeyAllocationMap & all) === all) return -1;
  let k = 0;
  while (mm.pkeyAllocationMap & (1 << k)) k++;
  mm.pkeyAllocationMap |= 1 << k;
  return k;
}

/** arch_set_user_pkey_access() for the task on `cpu`: only that thread's register changes (no flush, no IPI). */
export function setUserPkeyAccess(lm: LinuxMm, cpu: number, task: Task, pkey: number, rights: number): void {
  task.pkeyRegister = lm.arch.pkeys.setRights(task.pkeyRegister, pkey, rights);
  if (lm.task(cpu) === task) lm.arch.pkeys.writeRegister(cpu, task.pkeyRegister);
}

/** sys_pkey_alloc(flags, init_val): the key, or -errno. */
export function pkeyAlloc(lm: LinuxMm, cpu: number, task: Task, flags: number, initVal: number): number {
  if (flags !== 0 || initVal & ~lm.arch.pkeys.accessMask) return -EINVAL;
  const pkey = mmPkeyAlloc(lm, task.mm);
  if (pkey < 0) return -ENOSPC;
  setUserPkeyAccess(lm, cpu, task, pkey, initVal);
  return pkey;
}

/**
 * sys_pkey_free(pkey): clears the bit only — no VMA or PTE is scanned, so memory still tagged with
 * the key keeps it (spec §6.2). The hypothetical `pkey-free-scan` variant refuses with EBUSY while
 * a VMA uses the key.
 */
export function pkeyFree(lm: LinuxMm, mm: MmStruct, pkey: number): number {
  if (!mmPkeyIsAllocated(lm, mm, pkey)) return -EINVAL;
  if (lm.config.pkey === 'pkey-free-scan' && mm.vmas.some((v) => v.pkey === pkey)) return -EBUSY;
  mm.pkeyAllocationMap &= ~(1 << pkey);
  return 0;
}

/**
 * __execute_only_pkey(): allocate the execute-only key on first use and deny data access to it in
 * the calling thread; -1 if the arch has none or no key is free.
 */
export function executeOnlyPkey(lm: LinuxMm, cpu: number, task: Task): number {
  if (!lm.arch.pkeys.executeOnlyPkeys || lm.arch.pkeys.nrPkeys === 0) return -1;
  const mm = task.mm;
  let pkey = mm.executeOnlyPkey;
  let needToSetMmPkey = false;
  if (pkey === -1) {
    pkey = mmPkeyAlloc(lm, mm);
    if (pkey < 0) return -1;
    needToSetMmPkey = true;
  }
  // "We do not want to go through the relatively costly dance to set PKRU if we do not need to."
  const rights = lm.arch.pkeys.rightsOf(task.pkeyRegister, pkey);
  if (!needToSetMmPkey && rights & PKEY_DISABLE_ACCESS) return pkey;
  setUserPkeyAccess(lm, cpu, task, pkey, PKEY_DISABLE_ACCESS);
  if (needToSetMmPkey) mm.executeOnlyPkey = pkey;
  return pkey;
}

/** vma_is_pkey_exec_only(). */
export function vmaIsPkeyExecOnly(vma: VmArea, mm: MmStruct): boolean {
  return (vma.vmFlags & VM_ACCESS_FLAGS) === VM_EXEC && vma.pkey === mm.executeOnlyPkey;
}

/**
 * arch_override_mprotect_pkey() (x86 __arch_override_mprotect_pkey): an explicit key wins; leaving
 * execute-only falls back to key 0; PROT_EXEC alone asks for the execute-only key; otherwise the
 * VMA keeps its key. Arches without execute-only keys keep the VMA's key.
 */
export function overrideMprotectPkey(
  lm: LinuxMm,
  cpu: number,
  task: Task,
  vma: VmArea,
  prot: number,
  pkey: number,
): number {
  if (pkey !== -1) return pkey;
  if (!lm.arch.pkeys.executeOnlyPkeys) return vma.pkey;
  if (vmaIsPkeyExecOnly(vma, task.mm) && prot !== PROT_EXEC) return 0;
  if (prot === PROT_EXEC) {
    const k = executeOnlyPkey(lm, cpu, task);
    if (k > 0) return k;
  }
  return vma.pkey;
}

/**
 * arch_vma_access_permitted(): may the task's register reach this VMA's key? x86 PKRU governs data
 * accesses only; arm64 POE also execute (PKEY_DISABLE_EXECUTE).
 */
export function vmaAccessPermitted(
  lm: LinuxMm,
  task: Task,
  vma: VmArea,
  write: boolean,
  execute: boolean,
): boolean {
  const rights = lm.arch.pkeys.rightsOf(task.pkeyRegister, vma.pkey);
  if (execute) return (rights & PKEY_DISABLE_EXECUTE) === 0;
  if (rights & PKEY_DISABLE_ACCESS) return false;
  if (write) return (rights & PKEY_DISABLE_WRITE) === 0;
  return (rights & PKEY_DISABLE_READ) === 0;
}
