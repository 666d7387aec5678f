/**
 * Address, frame and permission vocabulary shared by every contract.
 *
 * Virtual addresses are plain numbers: byte addresses, page aligned where a page is meant. The
 * simulated machine places its kernel half below 2^53 so that every address is an exact integer
 * in a double (the MMU chooses the layout; core only passes addresses through).
 */
export type Va = number;
/** A physical frame number (4 KiB frames). */
export type Pfn = number;
/** A process id handed out by `Kernel.createProcess`; `0` is never a user process. */
export type Pid = number;
/** The CPU that performs an operation: it decides who sends the IPIs. */
export type CpuId = number;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/** mmap/mprotect protection bits, with Linux's PROT_* values (include/uapi/asm-generic/mman-common.h). */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export type Prot = number;

/** Parse `none`, `r`, `rw`, `rx`, `rwx`, `x`, `w` … into PROT_* bits; `undefined` for anything else. */
export function parseProt(text: string): Prot | undefined {
  if (text === 'none') return PROT_NONE;
  let prot = 0;
  for (const c of text) {
    const bit = c === 'r' ? PROT_READ : c === 'w' ? PROT_WRITE : c === 'x' ? PROT_EXEC : -1;
    if (bit < 0 || (prot & bit) !== 0) return undefined;
    prot |= bit;
  }
  return text.length === 0 ? undefined : prot;
}

/** Canonical text of PROT_* bits (`none`, `r`, `rw`, `rx`, `rwx`, …). */
export function formatProt(prot: Prot): string {
  if (prot === PROT_NONE) return 'none';
  return (prot & PROT_READ ? 'r' : '') + (prot & PROT_WRITE ? 'w' : '') + (prot & PROT_EXEC ? 'x' : '');
}

/**
 * Key rights of one thread for one key, OS-neutral: x86 PKRU has access-disable / write-disable
 * (so `rwx` and `rw` are the same there, and `x` cannot be expressed); arm64 POR_EL0 has
 * Perm<m> = R / W / X bits. Encoded as PROT_* bits of what the key *allows*.
 */
export type KeyRights = Prot;

/** What an access does. `exec` is an instruction fetch. */
export type AccessKind = 'read' | 'write' | 'exec';

/**
 * Kernel accesses to user memory on behalf of the current thread (`uaccess` op): copy_from_user /
 * copy_to_user (FreeBSD copyin/copyout), get_user_pages for read or write, and a remote read
 * (access_remote_vm / proc_rwmem). The policy decides whether keys apply.
 */
export type UaccessKind = 'copyin' | 'copyout' | 'gup-read' | 'gup-write' | 'remote-read';
