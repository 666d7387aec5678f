// The mechanisms of the `freebsd-amd64` policy and their variants (spec freebsd-amd64.md §9, §7.5, §12.5),
// named as in the spec without the `fbsd-` prefix. Descriptions say what the variant does and which scenario
// outcome it decides; sources name the review or commit.
import type { MechanismDefinition } from '@shootdown/core';

/** Which pmap removals drop PKRU key ranges (the D39556 question). */
export const pkruRemove: MechanismDefinition = {
  description:
    'Which pmap removals drop non-PERSIST PKRU key ranges from the per-pmap rangeset. Keys reach page-table ' +
    'entries only at pmap_enter, so a dropped range shows up at the next fault-in as a page with key 0.',
  default: 'map-delete',
  variants: {
    original: {
      description:
        'FreeBSD 13.0 up to the fix: pmap_remove() itself runs pmap_pkru_on_remove(), so every removal drops the ' +
        'keys of its range — munmap and MAP_FIXED replacement, but also mprotect(PROT_NONE) (pmap_protect → ' +
        'pmap_remove), msync(MS_INVALIDATE) (vm_map_sync) and the whole-process swap-out ' +
        '(vm_swapout_map_deactivate_pages), after which swapped-in pages silently come back unprotected.',
      source: 'sys/amd64/amd64/pmap.c before rG1e0e335b0f0d; bug reported by andrew in D39556',
      disclaims: ['pkey-kept'],
    },
    'swapout-fix': {
      description:
        'The first revision of D39556: a pmap_remove_swapout() without the key hook, called from the swap-out ' +
        'path only; every other pmap_remove() caller (mprotect(PROT_NONE), msync(MS_INVALIDATE)) still drops ' +
        'keys. markj objected that each pmap_remove() caller would have to decide whether it preserves keys.',
      source: 'D39556 revision 1 (kib), not landed',
      disclaims: ['pkey-kept'],
    },
    'map-delete': {
      description:
        'The landed design: pmap_remove() never touches keys; pmap_map_delete(), called only from vm_map_delete ' +
        'for entries that have a backing object, drops the non-PERSIST keys of the entry — a logical unmap ends ' +
        "the key (markj's mprotect-like semantics), everything else keeps it. Never-touched mappings keep their " +
        'keys across munmap because vm_map_delete skips the pmap call for them.',
      source:
        'rG1e0e335b0f0d "amd64: fix PKRU and swapout interaction" (D39556 as landed, reviewed by markj)',
      claims: ['pkey-kept'],
    },
    'explicit-clear-only': {
      description:
        "kib's alternative: keys belong to the address range like segments, and only sysarch(AMD64_CLEAR_PKRU), " +
        'an overlapping SET, exec and exit remove them; a new mapping at a keyed address inherits the key ' +
        '(the per-thread-heap model) even without AMD64_PKRU_PERSIST.',
      source:
        'hypothetical: kib in D39556 ("I would agree to keys removal only by explicit sysarch(CLEAR_PKRU)")',
      claims: ['pkey-kept'],
    },
  },
};

/** Whether pmap_pkru_update_range shoots down what it changed (spec §7.5 fault-injection switch). */
export const pkruUpdate: MechanismDefinition = {
  description:
    'What SET/CLEAR do after rewriting the key bits of present entries: pmap_pkru_update_range issues one ' +
    'pmap_invalidate_range when anything changed (all of the address space at PMAP_INVLPG_THRESHOLD pages).',
  default: 'invalidate-range',
  variants: {
    'invalidate-range': {
      description:
        'As the source: one pmap_invalidate_range over the SET/CLEAR range if any present entry changed, none ' +
        'over holes or never-faulted pages; other threads see the new key as soon as the call returns.',
      source: 'sys/amd64/amd64/pmap.c pmap_pkru_update_range',
      claims: ['pkey-tag'],
    },
    'no-invalidate': {
      description:
        'Unsafe fault injection: the key bits are rewritten but no CPU is told, so a thread on another CPU keeps ' +
        'using its TLB entry tagged with the old key — the bug class spec §7.5 asks to be able to show.',
      source: 'spec freebsd-amd64.md §7.5 (fault-injection switch; no FreeBSD version did this)',
      disclaims: ['pkey-tag'],
    },
  },
};

/** rangeset_check_empty's lookup for AMD64_PKRU_EXCL (spec §2.2 quirk, §12.5). */
export const exclCheck: MechanismDefinition = {
  description:
    'How AMD64_PKRU_EXCL decides that [start, end) is free of key ranges: rangeset_check_empty looks up the ' +
    'node with the greatest start <= end, so a node starting exactly at end makes the range look occupied.',
  default: 'lookup-le',
  variants: {
    'lookup-le': {
      description:
        'As the source: RANGESET_PCTRIE_LOOKUP_LE(end); EXCL over [s, e) fails with EBUSY when an unrelated ' +
        'range starts exactly at e. Reported so that nobody mistakes this quirk for a policy effect.',
      source: 'sys/kern/subr_rangeset.c rangeset_check_empty',
    },
    'lookup-lt': {
      description:
        'Hypothetical correction: look up the node with the greatest start < end, so only a real overlap makes ' +
        'EXCL fail.',
      source: 'spec freebsd-amd64.md §12.5 (switchable quirk; not a FreeBSD change)',
    },
  },
};
