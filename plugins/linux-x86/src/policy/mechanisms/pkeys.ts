// Linux user protection keys (spec linux.md §6.5).
import type { MechanismDefinition } from '@shootdown/core';

export const pkeys = {
  description:
    'Lifetime of a user protection key: bound to VMAs (vm_flags key bits), written into every PTE built ' +
    'from them, allocated per mm, rights per thread in PKRU (Documentation/core-api/protection-keys.rst).',
  default: 'vma',
  variants: {
    vma: {
      description:
        'Linux: pkey_mprotect makes the key a VMA attribute and change_protection rewrites the present PTEs ' +
        'with one ranged flush; swap-out, MADV_DONTNEED and migration keep it because the PTE is rebuilt ' +
        'from vm_page_prot; pkey_free only clears the allocation bit, so a reused key governs memory still ' +
        'tagged with it.',
      source:
        'mm/mprotect.c do_mprotect_pkey, arch/x86/mm/pkeys.c, Documentation/core-api/protection-keys.rst',
    },
    'pkey-mprotect-noflush': {
      description:
        'Unsafe: the key change rewrites the PTEs without the TLB flush, so a CPU keeps using an entry tagged ' +
        "with the old key and the new key's PKRU rights are not enforced there.",
      source: 'spec linux.md §6.3 (counterfactual of change_protection + flush_tlb_range)',
      disclaims: ['pkey-tag'],
    },
    'pkey-free-scan': {
      description:
        'Hypothetical: pkey_free fails with EBUSY while any VMA still carries the key, removing the reuse ' +
        'hazard the manual page documents as undefined behaviour.',
      source:
        'spec linux.md §6.5 (hypothetical; mm/mprotect.c sys_pkey_free notes such a check could be added)',
    },
  },
} satisfies MechanismDefinition;
