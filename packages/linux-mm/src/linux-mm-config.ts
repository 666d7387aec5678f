/**
 * Every variant a Linux policy selects, as data (spec linux.md §3.4, §4.5, §5.10, §6.5). Names are
 * the spec's without the leading `linux-`.
 */
import {
  DEFAULT_GATHER_CONFIG,
  FREE_PGTABLES_FLAGS,
  NESTED_FLUSHES,
  PFNMAP_FLUSHES,
  type MmuGatherConfig,
} from './gather-config.js';

/** spec §3.4 (plus `vmalloc-range-only`, DESIGN §7's name for the 5.2-rc flush of the vmalloc range only). */
export const VFREE_VARIANTS = [
  'vfree-lazy-noreset',
  'module-free-pre52',
  'arch-vunmap-v2',
  'reset-perms-5.2rc',
  'vmalloc-range-only',
  'reset-perms',
  'reset-perms-setmemory',
  'reset-then-flush',
  'vfree-skip-flush',
] as const;
export type VfreeVariant = (typeof VFREE_VARIANTS)[number];

/** spec §4.5: how a page leaves the direct map. */
export const UNMAPPED_ALLOC_VARIANTS = ['zap-per-folio', 'gfp-unmapped', 'unmapped-skip-flush'] as const;
export type UnmappedAllocVariant = (typeof UNMAPPED_ALLOC_VARIANTS)[number];

/** spec §6.5. */
export const PKEY_VARIANTS = ['vma', 'pkey-mprotect-noflush', 'pkey-free-scan'] as const;
export type PkeyVariant = (typeof PKEY_VARIANTS)[number];

export interface LinuxMmConfig {
  readonly gather: MmuGatherConfig;
  readonly vfree: VfreeVariant;
  readonly unmappedAlloc: UnmappedAllocVariant;
  readonly pkey: PkeyVariant;
  /** `linux-mermap-global` (buggy): mermap PTEs are global. */
  readonly mermapGlobal: boolean;
  /** `linux-mermap-free-noflush` (buggy caller): free a mermapped page without the required flush. */
  readonly mermapFreeNoflush: boolean;
  /** Frames below this pfn are reserved at boot (kernel image, boot page tables). */
  readonly reservedFrames: number;
  /** Frames of physical memory. */
  readonly nrFrames: number;
}

export function defaultLinuxMmConfig(nrFrames: number, reservedFrames = 0): LinuxMmConfig {
  return {
    gather: DEFAULT_GATHER_CONFIG,
    vfree: 'reset-perms',
    unmappedAlloc: 'gfp-unmapped',
    pkey: 'vma',
    mermapGlobal: false,
    mermapFreeNoflush: false,
    reservedFrames,
    nrFrames,
  };
}

/**
 * The code of linux-mm compares these names in switches and conditions; a name none of them knows would
 * silently take no path at all (issue 10 defect 7). So a configuration naming one is refused when the
 * LinuxMm is built — at the policy's configure, before anything runs.
 */
export function checkLinuxMmConfig(config: LinuxMmConfig): void {
  const fields: [string, string, readonly string[]][] = [
    ['vfree', config.vfree, VFREE_VARIANTS],
    ['unmapped-alloc', config.unmappedAlloc, UNMAPPED_ALLOC_VARIANTS],
    ['pkeys', config.pkey, PKEY_VARIANTS],
    ['pfnmap-flush', config.gather.pfnmapFlush, PFNMAP_FLUSHES],
    ['free-pgtables', config.gather.freePgtables, FREE_PGTABLES_FLAGS],
    ['nested-gather', config.gather.nested, NESTED_FLUSHES],
  ];
  for (const [mechanism, name, known] of fields) {
    if (!known.includes(name)) {
      throw new Error(
        `linux-mm has no implementation of the ${mechanism} variant '${name}' (it implements ${known.join(', ')})`,
      );
    }
  }
}
