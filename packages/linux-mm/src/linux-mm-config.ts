/**
 * Every variant a Linux policy selects, as data (spec linux.md §3.4, §4.5, §5.10, §6.5). Names are
 * the spec's without the leading `linux-`.
 */
import { DEFAULT_GATHER_CONFIG, type MmuGatherConfig } from './gather-config.js';

/** spec §3.4 (plus `vmalloc-range-only`, DESIGN §7's name for the 5.2-rc flush of the vmalloc range only). */
export type VfreeVariant =
  | 'vfree-lazy-noreset'
  | 'module-free-pre52'
  | 'arch-vunmap-v2'
  | 'reset-perms-5.2rc'
  | 'vmalloc-range-only'
  | 'reset-perms'
  | 'reset-perms-setmemory'
  | 'reset-then-flush'
  | 'vfree-skip-flush';

/** spec §4.5: how a page leaves the direct map. */
export type UnmappedAllocVariant = 'zap-per-folio' | 'gfp-unmapped' | 'unmapped-skip-flush';

/** spec §6.5. */
export type PkeyVariant = 'vma' | 'pkey-mprotect-noflush' | 'pkey-free-scan';

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
