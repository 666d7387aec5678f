// vfree of memory with special permissions (spec linux.md §3.4): the eight ways Linux freed (or proposed
// to free) executable / read-only vmalloc memory, from the pre-5.2 module loader to VM_FLUSH_RESET_PERMS.
import type { MechanismDefinition } from '@shootdown/core';

export const vfree = {
  description:
    'What vfree does with an area whose pages had special permissions (RO, X) on the vmalloc alias and ' +
    'the direct map: when the stale entries are flushed and when the direct map is reset (mm/vmalloc.c ' +
    'vm_reset_perms, arch/x86/mm/pat/set_memory.c set_direct_map_*_noflush).',
  default: 'reset-perms',
  variants: {
    'reset-perms': {
      description:
        'Merged VM_FLUSH_RESET_PERMS with the fixed direct-map range (5.2+): the vmalloc PTEs are cleared, ' +
        'every backing page is made not-present in the direct map without a flush, one ' +
        '_vm_unmap_aliases flush covers the union of the direct-map range and the lazy vmalloc areas ' +
        '(on x86-64 that union spans terabytes, so it is always a flush-all), then the direct map is reset ' +
        'to present+RW without a flush and the pages are freed. Exactly one TLB flush, no W+X window, and ' +
        'the direct map is default before the pages reach the allocator.',
      source: '868b104d7379 "mm/vmalloc: Add flag for freeing of special permsissions" + 8e41f8726dcf (5.2)',
    },
    'vfree-lazy-noreset': {
      description:
        'Before the flag: vfree only clears the PTEs and queues the area for the lazy purge; the caller ' +
        'left it RO+X. Every CPU that executed the area keeps an RO+X entry to pages that are already in ' +
        'the allocator, and the direct map stays RO, so the first write to a reused page through the ' +
        'direct map is a real protection fault.',
      source:
        'mm/vmalloc.c free_unmap_vmap_area before 868b104d7379 (cover letter "Don\'t leave executable TLB entries to freed pages")',
    },
    'module-free-pre52': {
      description:
        'The pre-5.2 module loader (kernel/module.c disable_ro_nx / free_module): set_memory_rw on the text ' +
        '(the vmalloc alias becomes RW while still X, the direct map RW, one flush-all because an alias was ' +
        'processed), set_memory_x on the data sections, then a lazy vfree. The vmalloc alias is writable ' +
        'and executable at once from set_memory_rw until the lazy purge, and any CPU that touches it then ' +
        'caches RW+X entries that outlive the free.',
      source:
        'kernel/module.c disable_ro_nx() / free_module() before 5.2 (removed by the 868b104d7379 series)',
    },
    'arch-vunmap-v2': {
      description:
        'Rick Edgecombe\'s x86 arch_vunmap v2 (Dec 2018). With an executable ("immediate") area: direct map ' +
        'not-present without a flush, vm_unmap_aliases(), direct map present+RW without a flush. Without: ' +
        'direct map present+RW first, then vm_unmap_aliases(). vm_unmap_aliases only flushes the lazily ' +
        'freed vmalloc range (span N+1 with the guard page): per page while it is at most the ceiling, so ' +
        "direct-map entries cached before the change survive (Nadav Amit's point), and the non-immediate " +
        'order opens a cross-alias W+X window (Andy Lutomirski: "immediate" is a proxy for "was executable").',
      source: '[v2,4/4] x86/vmalloc: Add TLB efficient x86 arch_vunmap (seed 000)',
    },
    'reset-perms-5.2rc': {
      description:
        'VM_FLUSH_RESET_PERMS as first merged: the direct-map range was computed from the vmalloc address, ' +
        'so it degenerated to an empty range and the single flush covered only the lazy vmalloc range ' +
        '(per page up to the ceiling). Same stale direct-map behaviour as arch-vunmap-v2 with an ' +
        'executable area; fixed by 8e41f8726dcf, whose log warns a RO direct-map alias could survive.',
      source:
        '868b104d7379 as merged in 5.2-rc, before 8e41f8726dcf "mm/vmalloc: Fix calculation of direct map addr range"',
    },
    'vmalloc-range-only': {
      description:
        "VM_FLUSH_RESET_PERMS with the one flush covering the vmalloc range only (DESIGN §7's fourth " +
        'vfree design): the direct map is made not-present and reset around a _vm_unmap_aliases that never ' +
        'names the direct-map range, so whether the direct map is flushed depends on the vmalloc span ' +
        'crossing the ceiling. linux-mm runs it on the same path as reset-perms-5.2rc.',
      source: '868b104d7379 (5.2-rc) vm_remove_mappings before 8e41f8726dcf',
    },
    'reset-perms-setmemory': {
      description:
        'The 5.2 fallback for architectures without set_direct_map_* (arm64 before 4739d53fcd1d): ' +
        'set_memory_nx then set_memory_rw on the vmalloc alias (each its own CPA flush, NX applied before ' +
        'RW so there is no W+X), then remove the area and flush the direct-map range. Safe, three flushes.',
      source: '868b104d7379 vm_remove_mappings fallback path (set_memory_nx/set_memory_rw)',
    },
    'reset-then-flush': {
      description:
        'The 2024 RFC motivated by RISC-V: reset the direct map to present+RW first, then flush with ' +
        '_vm_unmap_aliases over the direct-map range. Removes the transient not-present state an RV32 fork ' +
        'could copy, but between the reset and the end of the flush the direct map is writable while remote ' +
        'CPUs still hold the executable vmalloc entry: a cross-alias W+X window. Not merged.',
      source: 'RFC "mm/vmalloc: Modify permission reset procedure to avoid invalid access" (Jun 2024)',
    },
    'vfree-skip-flush': {
      description:
        'Unsafe bound: as the merged path but with no flush at all; the direct map is reset without a ' +
        'flush. Stale executable entries to freed pages on every CPU that executed the area, stale RO ' +
        'direct-map entries (spurious faults). Prices the flush the merged path pays.',
      source: 'spec linux.md §3.4 (lower bound, not a kernel)',
      disclaims: ['stale-exec-alias', 'wx-alias', 'stale-after-free'],
    },
  },
} satisfies MechanismDefinition;
