// Constants of the FreeBSD amd64 ABI and kernel that the model reproduces, with their source.

/** x86/include/sysarch.h: sysarch(2) operations and AMD64_PKRU_* flags (spec freebsd-amd64.md §2.3). */
export const I386_SET_PKRU = 12;
export const I386_CLEAR_PKRU = 13;
export const AMD64_SET_PKRU = 133;
export const AMD64_CLEAR_PKRU = 134;
export const AMD64_PKRU_EXCL = 0x0001;
export const AMD64_PKRU_PERSIST = 0x0002;

/** sys/amd64/include/pmap.h: PMAP_MAX_PKRU_IDX. */
export const PMAP_MAX_PKRU_IDX = 15;

/** sys/amd64/amd64/pmap.c: PMAP_INVLPG_THRESHOLD = 4 * 1024 * PAGE_SIZE, here in pages. */
export const PMAP_INVLPG_THRESHOLD_PAGES = 4 * 1024;

/**
 * sys/amd64/include/vmparam.h: VM_MAXUSER_ADDRESS_LA48 = 0x0000800000000000 (4-level paging), in pages. The
 * simulated MMU's kernel half begins at the same 2^47 boundary.
 */
export const VM_MAXUSER_PAGE = 2 ** 47 / 4096;

/** Where anonymous mmap(2) without a hint starts placing (an arbitrary, deterministic user address). */
export const MMAP_BASE_PAGE = 0x800000000 / 4096;

/** sys/sys/errno.h names used by the model (results record names, not numbers). */
export const Errno = {
  EFAULT: 'EFAULT',
  EINVAL: 'EINVAL',
  EBUSY: 'EBUSY',
  ENOMEM: 'ENOMEM',
  ENOTSUP: 'ENOTSUP',
} as const;
export type ErrnoName = (typeof Errno)[keyof typeof Errno];

/** sys/vm/vm.h: VM_PROT_* — the same bit values as PROT_* (sys/sys/mman.h). */
export const VM_PROT_NONE = 0;
export const VM_PROT_READ = 1;
export const VM_PROT_WRITE = 2;
export const VM_PROT_EXECUTE = 4;
