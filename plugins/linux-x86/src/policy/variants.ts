// The selected variants → the configuration of linux-mm (LinuxMmConfig) and of the x86 arch (X86Config).
// One place translates names, so the policy declaration stays data and the code paths stay free of names.
import {
  DEFAULT_GATHER_CONFIG,
  type LinuxMmConfig,
  type MmuGatherConfig,
  type PfnmapFlush,
  type FreePgtablesFlags,
  type NestedFlush,
  type PkeyVariant,
  type UnmappedAllocVariant,
  type VfreeVariant,
} from '@shootdown/linux-mm';
import { CPA_FLUSHES, type CpaFlush, type ShootdownMode, type X86Config } from '../arch/x86-config.js';

export type Variants = Readonly<Record<string, string>>;

/** The machine parameters the x86 arch reads (validated by the MMU's machine schema). */
export interface X86MachineParams {
  readonly cpus: number;
  readonly frames: number;
  readonly flushCeiling: number;
  readonly invlpgbCountMax: number;
  readonly tlbSides: 'unified' | 'split';
  readonly features: { readonly pcid: boolean; readonly pti: boolean; readonly invlpgb: boolean };
}

function pick(v: Variants, mechanism: string, fallback: string): string {
  return v[mechanism] ?? fallback;
}

/** A name the comparisons below do not know would fall through to the default path silently (issue 10
 *  defect 7): refuse it. */
function pickKnown(v: Variants, mechanism: string, known: readonly string[]): string {
  const name = pick(v, mechanism, known[0]!);
  if (!known.includes(name)) {
    throw new Error(`linux-x86 has no implementation of the ${mechanism} variant '${name}'`);
  }
  return name;
}

const SHOOTDOWNS = [
  'x86-ceiling-33',
  'x86-ceiling-0',
  'x86-invlpgb',
  'x86-pti',
  'x86-skip-lazy-always',
  'arm64-tlbi',
] as const;
const TLB_FLUSHES = ['x86', 'generic-split'] as const;

export function x86ConfigOf(v: Variants, params: X86MachineParams): X86Config {
  const sd = pickKnown(v, 'shootdown', SHOOTDOWNS);
  let shootdown: ShootdownMode = 'ipi';
  if (sd === 'x86-invlpgb' || (sd === 'x86-ceiling-33' && params.features.invlpgb)) shootdown = 'invlpgb';
  if (sd === 'arm64-tlbi') shootdown = 'broadcast-tlbi';
  return {
    ceiling: sd === 'x86-ceiling-0' ? 0 : params.flushCeiling,
    shootdown,
    pti: sd === 'x86-pti' || params.features.pti,
    skipLazyAlways: sd === 'x86-skip-lazy-always',
    pcid: params.features.pcid,
    genericSplitFlush: pickKnown(v, 'tlb-flush', TLB_FLUSHES) === 'generic-split',
    invlpgbCountMax: params.invlpgbCountMax,
    cpaFlush: pickKnown(v, 'cpa-flush', CPA_FLUSHES) as CpaFlush,
  };
}

/** Variant name → linux-mm's name: ours drop the `pfnmap-` / `pgt-` / `nested-` prefixes linux-mm omits. */
export function gatherConfigOf(v: Variants): MmuGatherConfig {
  const pfn = pick(v, 'pfnmap-flush', 'pfnmap-free-vmas').replace(/^pfnmap-/u, '') as PfnmapFlush;
  const pgt = pick(v, 'free-pgtables', 'pgt-no-start-vma').replace(/^pgt-/u, '') as FreePgtablesFlags;
  const nested = pick(v, 'nested-gather', 'nested-fullmm').replace(/^nested-/u, '') as NestedFlush;
  return {
    ...DEFAULT_GATHER_CONFIG,
    // x86 selects MMU_GATHER_MERGE_VMAS (no per-VMA flush); the asm-generic arch of the split-TLB
    // comparison (32-bit ARM, ARMv6-class Harvard TLB) does not, so tlb_end_vma flushes each VMA with its own flags there.
    mergeVmas: pick(v, 'tlb-flush', 'x86') !== 'generic-split',
    pfnmapFlush: pfn,
    freePgtables: pgt,
    nested,
  };
}

export function linuxMmConfigOf(v: Variants, nrFrames: number, reservedFrames: number): LinuxMmConfig {
  const unmapped = pick(v, 'unmapped-alloc', 'zap-per-folio');
  const unmappedAlloc: UnmappedAllocVariant =
    unmapped === 'mermap-global' || unmapped === 'mermap-free-noflush'
      ? 'gfp-unmapped'
      : (unmapped as UnmappedAllocVariant);
  return {
    gather: gatherConfigOf(v),
    vfree: pick(v, 'vfree', 'reset-perms') as VfreeVariant,
    unmappedAlloc,
    pkey: pick(v, 'pkeys', 'vma') as PkeyVariant,
    mermapGlobal: unmapped === 'mermap-global',
    mermapFreeNoflush: unmapped === 'mermap-free-noflush',
    reservedFrames,
    nrFrames,
  };
}
