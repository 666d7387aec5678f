/**
 * Geometry and flag values shared by every Linux arch we model (x86-64 4-level and arm64 4K/48-bit
 * both use 4 KiB pages, 512 entries per table and the same shifts).
 *
 * Virtual addresses are plain numbers (exact integers below 2^53, as core's contracts say); the
 * kernel half's layout (direct map, vmalloc, mermap) comes from the arch (arch.ts KernelLayout),
 * because the simulated MMU chooses it.
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PMD_SHIFT = 21;
export const PMD_SIZE = 2 ** PMD_SHIFT;
export const PUD_SHIFT = 30;
export const PUD_SIZE = 2 ** PUD_SHIFT;
export const P4D_SHIFT = 39;
export const P4D_SIZE = 2 ** P4D_SHIFT;
export const PGDIR_SHIFT = 39;
export const PTRS_PER_TABLE = 512;

/** Page-table levels, numbered like the MMU (1 = PTE table … 4 = PGD). */
export const LEVEL_PTE = 1;
export const LEVEL_PMD = 2;
export const LEVEL_PUD = 3;
export const LEVEL_PGD = 4;

/** Shift of the address span one entry at `level` covers. */
export function levelShift(level: number): number {
  return PAGE_SHIFT + 9 * (level - 1);
}

/** x86-64 TASK_SIZE_MAX with 4-level paging: one guard page below 2^47. */
export const TASK_SIZE = 2 ** 47 - PAGE_SIZE;
/** x86 and arm64 both define FIRST_USER_ADDRESS as 0. */
export const FIRST_USER_ADDRESS = 0;
/** USER_PGTABLES_CEILING = 0 means "the top of the address space" in free_pgd_range. */
export const USER_PGTABLES_CEILING = 0;
/** mm/mmap.c mmap_min_addr default (CONFIG_DEFAULT_MMAP_MIN_ADDR = 4096 on x86). */
export const MMAP_MIN_ADDR = 0x10000;

// include/linux/mm.h vm_flags. They fit in 32 bits; the pkey bits (VM_PKEY_BIT0 = bit 32 on x86)
// do not, so a VMA keeps its key in a separate field (VmArea.pkey) and vm_flags stays a 32-bit int.
export const VM_NONE = 0x0;
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
export const VM_PFNMAP = 0x400;
export const VM_LOCKED = 0x2000;
export const VM_IO = 0x4000;
export const VM_DONTCOPY = 0x20000;
export const VM_ACCOUNT = 0x100000;
export const VM_HUGETLB = 0x400000;
export const VM_MIXEDMAP = 0x10000000;
export const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

// mmap(2) / mprotect(2)
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

// mm/vmalloc.c vm_struct flags (include/linux/vmalloc.h).
export const VM_IOREMAP = 0x1;
export const VM_ALLOC = 0x2;
export const VM_MAP = 0x4;
export const VM_USERMAP = 0x8;
export const VM_NO_GUARD = 0x40;
export const VM_FLUSH_RESET_PERMS = 0x100;

// Protection-key rights (include/uapi/asm-generic/mman-common.h; arm64 adds the last two).
export const PKEY_DISABLE_ACCESS = 0x1;
export const PKEY_DISABLE_WRITE = 0x2;
export const PKEY_DISABLE_EXECUTE = 0x4;
export const PKEY_DISABLE_READ = 0x8;

// errno values returned (negated) by the system-call style entry points.
export const EPERM = 1;
export const ENOENT = 2;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;

export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [ENOMEM]: 'ENOMEM',
  [EACCES]: 'EACCES',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
};
