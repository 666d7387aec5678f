// The arm64-pkey policy: Linux on arm64 — linux-mm over this plug-in's arm64 hooks (broadcast TLBI without IPIs,
// leaf-only vs all-level invalidation, the linear map's granularity and splits, POE user keys) — with kpkeys
// page-table protection as the `pt-protection` mechanism and the nested-gather flush as `nested-gather`.
import {
  errno,
  ok,
  signalsOf,
  Tokens,
  type InvariantId,
  type KernelBoot,
  type PolicyDefinition,
  type Preflight,
  type ResolvedSelection,
} from '@shootdown/core';
import {
  DEFAULT_GATHER_CONFIG,
  defaultLinuxMmConfig,
  LINUX_MM,
  LinuxMm,
  machineFrameSink,
  type NestedFlush,
} from '@shootdown/linux-mm';
import type { Machine, MachineParams } from '@shootdown/mmu';
import type { DependencyContainer } from 'tsyringe';
import { Arm64Arch } from './arch/arm64-arch.js';
import { bootArm64, checkBootable } from './arch/boot.js';
import { MachineLinearMapHw } from './arch/linear-map-hw.js';
import { MachineTlbiPort } from './arch/tlb.js';
import { Arm64Kernel } from './kernel.js';
import { linearMapLeaf } from './arch/map-mem.js';
import { LinearMap, type LinearMapLeaf } from './linear-map.js';
import { NESTED_GATHER, NESTED_RESET, nestedGather } from './nested-gather.js';
import { Arm64PageAllocator } from './page-allocator.js';
import { Arm64PmapTable } from './pmap.js';
import { ARM64_RUN, type Arm64Run } from './run-state.js';
import {
  PT_PKEY_FREETYPE,
  PT_PKEY_FREETYPE_DEFER,
  PT_PKEY_PER_PAGE,
  PT_PROTECTION,
  ptProtection,
} from './variants.js';

const PER_PAGE_BLOCK_MAP =
  'pt-pkey-per-page keys page-table pages one by one through set_memory_pkey(), which on a block-mapped linear ' +
  'map (BBML2_NOABORT and a 2M/1G directMap) splits a block for every key change; each split needs a new ' +
  'page table that must itself be keyed, so keying recurses (spec arm64-pkey.md §4, §9.1). The series runs ' +
  'this design only on a PTE-mapped linear map (RFC v1–v5; v6 noblock path when arch_has_pte_only_direct_map()).';

/** What Linux on arm64 guarantees whatever the variants; protecting variants add pagetable-write-protected. */
const CLAIMS: readonly InvariantId[] = [
  'stale-exec-alias',
  'wx-alias',
  'stale-after-free',
  'direct-map-default',
  'freed-pagetable-walk',
  'pagetable-reuse',
  'pfn-release',
  'pkey-tag',
  'pkey-kept',
  'break-before-make',
];

/** The selected `pt-protection` variant and the leaf map_mem() builds the linear map with for it. */
function linearMapOf(
  params: MachineParams,
  selection: ResolvedSelection,
): { variant: string; freetype: boolean; leaf: LinearMapLeaf } {
  const variant = selection.variants[PT_PROTECTION] ?? ptProtection.default;
  // Design C needs a pageblock-granular linear map from boot (spec arm64-pkey.md §6.3).
  const freetype = variant === PT_PKEY_FREETYPE || variant === PT_PKEY_FREETYPE_DEFER;
  return {
    variant,
    freetype,
    leaf: linearMapLeaf(params.directMap.leaf, params.features['bbml2-noabort'], freetype),
  };
}

/**
 * Spec arm64-pkey.md §4 and §9.1: keying one page of a block-mapped linear map splits the block, whose new
 * table must be keyed, which splits again — Brodsky's reason per-page keying cannot work with large mappings.
 * v1–v5 ran on a PTE-mapped linear map; v6 takes the noblock path only when arch_has_pte_only_direct_map().
 */
function unsupportedOn(variant: string, leaf: LinearMapLeaf): string | null {
  return variant === PT_PKEY_PER_PAGE && leaf !== '4K' ? PER_PAGE_BLOCK_MAP : null;
}

/**
 * configure's two decisions before it boots, in its order: unsupported on this linear map, then too little
 * memory for the image and the early page-table chunks (checkBootable throws configure's own error). Past
 * them the boot takes its tables from the early chunks, sized for this memory, and init_late re-keys them
 * through set_memory_pkey(), which flushes what it changed: no stale entry is left for a step's invariants
 * (test/preflight.test.ts runs every selection both ways).
 */
function preflight(params: MachineParams, selection: ResolvedSelection): Preflight {
  const { variant, leaf } = linearMapOf(params, selection);
  const why = unsupportedOn(variant, leaf);
  if (why !== null) return { unsupported: why };
  checkBootable(params.frames);
  return {};
}

function configure(container: DependencyContainer, selection: ResolvedSelection): void {
  const machine = container.resolve(Tokens.Machine) as Machine;
  const book = container.resolve(Tokens.FrameBook);
  const phases = container.resolve(Tokens.Phases);
  const nested: NestedFlush = selection.variants[NESTED_GATHER] === NESTED_RESET ? 'reset' : 'fullmm';
  const params = machine.params;
  const bbml2 = params.features['bbml2-noabort'];
  const { variant, freetype, leaf } = linearMapOf(params, selection);
  const unsupported = unsupportedOn(variant, leaf);
  if (unsupported !== null) {
    container.register(Tokens.Unsupported, { useValue: unsupported });
    return;
  }
  checkBootable(params.frames);
  const counters = { count: (name: string, n: number) => machine.count(name, n) };
  const port = new MachineTlbiPort(machine);
  const hw = new MachineLinearMapHw(machine, port, () => machine.kernelSpace);
  const linearMap = new LinearMap(machine.frames.count, leaf, bbml2, hw, counters, machine.lease);
  const boot = bootArm64(machine, linearMap, freetype);
  const arch = new Arm64Arch(machine, linearMap, variant, book, counters, port, () => {
    throw new Error('arm64-pkey: a page table was asked for before mem_init');
  });
  const config = {
    ...defaultLinuxMmConfig(machine.frames.count, boot.reservedFrames),
    gather: { ...DEFAULT_GATHER_CONFIG, nested },
    // __GFP_UNMAPPED is an x86 RFC; arm64 removes pages from the linear map one folio at a time.
    unmappedAlloc: 'zap-per-folio' as const,
  };
  // bootArm64 has tagged the image and the early page-table chunks itself.
  const lm = new LinuxMm(arch, config, machineFrameSink(book, machine, null), phases);
  // Late init is the runner's to call (KernelBoot): a scenario may run steps before it (boot phases).
  const kernelBoot: KernelBoot = {
    lateInit(cpu) {
      if (arch.kpkeys.lateDone) return errno('EALREADY');
      linearMap.cpu = cpu;
      arch.kpkeys.initLate(boot.earlyTables, boot.earlyChunks);
      return ok();
    },
  };
  container.register(Tokens.Boot, { useValue: kernelBoot });

  const run: Arm64Run = { machine, arch, lm, boot };
  container.register(ARM64_RUN, { useValue: run });
  container.register(LINUX_MM, { useValue: run.lm });
  container.register(Tokens.Kernel, { useValue: new Arm64Kernel(lm, arch, machine, signalsOf(container)) });
  container.register(Tokens.Pmap, { useValue: new Arm64PmapTable(lm, arch, machine) });
  const pages = new Arm64PageAllocator(
    lm,
    arch.kpkeys,
    (cpu) => (linearMap.cpu = cpu),
    (name) => machine.count(name),
  );
  container.register(Tokens.PageAllocator, { useValue: pages });
  container.register(Tokens.VmMap, { useValue: lm.vmMaps });
  container.register(Tokens.MmuGather, { useValue: lm.gathers });
  container.register(Tokens.KernelMemory, { useValue: lm.kernelMemory });
}

export const arm64Pkey = {
  name: 'arm64-pkey',
  os: 'linux',
  arch: 'arm64',
  description:
    'Linux on arm64: the generic mm over the arm64 hooks — TLB maintenance by broadcast TLBI (no IPIs) with ' +
    'leaf-only VALE1IS or all-level VAE1IS chosen from freed_tables, ASIDE1IS above MAX_DVM_OPS, kernel ranges ' +
    'by VAALE1IS; the linear map PTE-mapped unless the CPUs have BBML2_NOABORT (force_pte_mapping(), rodata=full ' +
    'by default), blocks split in place with it and never split live without it; POE user keys in ' +
    'POR_EL0 bound to VMAs (8 keys, execute gated) — and kpkeys page-table hardening, where POR_EL1 keeps ' +
    'page tables read-only outside set_pte(), with the allocator designs argued over in the kpkeys series.',
  claims: CLAIMS,
  mechanisms: {
    [PT_PROTECTION]: ptProtection,
    [NESTED_GATHER]: nestedGather,
  },
  configure,
  preflight,
} satisfies PolicyDefinition;
