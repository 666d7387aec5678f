// The linux-x86 policy: Linux's arch-independent mm (linux-mm) on the x86-64 hooks of this plug-in, with
// the mechanisms of spec linux.md §2.6, §3.4, §4.5, §5.10, §6.5 as variants. Defaults are today's
// upstream behaviour; for unmapped allocation that is the per-folio zap (__GFP_UNMAPPED is an RFC).
import {
  signalsOf,
  INVARIANT_IDS,
  Tokens,
  type InvariantId,
  type PolicyDefinition,
  type Preflight,
  type ResolvedSelection,
} from '@shootdown/core';
import { checkLinuxMmConfig, LINUX_MM, LinuxMm, machineFrameSink } from '@shootdown/linux-mm';
import type { Machine, MachineParams } from '@shootdown/mmu';
import type { DependencyContainer } from 'tsyringe';
import { reservedFramesFor, X86LinuxArch } from '../arch/x86-arch.js';
import { X86Kernel } from '../kernel/x86-kernel.js';
import { X86PmapTable } from '../kernel/pmap.js';
import { X86_RUN, type X86Run } from '../run-state.js';
import { cpaFlush } from './mechanisms/cpa-flush.js';
import { freePgtables } from './mechanisms/free-pgtables.js';
import { nestedGather } from './mechanisms/nested-gather.js';
import { pfnmapFlush } from './mechanisms/pfnmap-flush.js';
import { pkeys } from './mechanisms/pkeys.js';
import { shootdown } from './mechanisms/shootdown.js';
import { tlbFlush } from './mechanisms/tlb-flush.js';
import { unmappedAlloc } from './mechanisms/unmapped-alloc.js';
import { vfree } from './mechanisms/vfree.js';
import { linuxMmConfigOf, x86ConfigOf } from './variants.js';

/** What mainline Linux on x86-64 guarantees (spec linux.md §1.2, §3.7); pagetable-write-protected and
 *  break-before-make are not x86 Linux claims, stale-direct-map is the soft spurious-fault case. */
const NOT_CLAIMED: readonly InvariantId[] = [
  'pagetable-write-protected',
  'break-before-make',
  'stale-direct-map',
];
const CLAIMS: readonly InvariantId[] = INVARIANT_IDS.filter((id) => !NOT_CLAIMED.includes(id));

/**
 * configure's decisions before it boots, from the same functions in its order: the variants' x86 and linux-mm
 * configurations (each throws configure's own error for a name it has no implementation of), then the frames
 * reserved at boot. The boot takes swapper_pg_dir and the direct map's tables from those reserved frames
 * (reservedFramesFor counts them, with room to spare) and marks them reserved in the frame book; with at
 * least one frame past them for the buddy allocator it boots. It never touches a TLB, so it leaves nothing
 * for a step's invariants. With fewer frames only the boot can tell how it fails.
 */
function preflight(params: MachineParams, selection: ResolvedSelection): Preflight | null {
  x86ConfigOf(selection.variants, params);
  const reserved = reservedFramesFor(params.frames, params.directMap.leaf);
  checkLinuxMmConfig(linuxMmConfigOf(selection.variants, params.frames, reserved));
  return reserved < params.frames ? {} : null;
}

function configure(container: DependencyContainer, selection: ResolvedSelection): void {
  const machine = container.resolve(Tokens.Machine) as Machine;
  const frames = container.resolve(Tokens.FrameBook);
  const phases = container.resolve(Tokens.Phases);
  const params = machine.params;
  const arch = new X86LinuxArch(machine, x86ConfigOf(selection.variants, params));
  const lm = new LinuxMm(
    arch,
    linuxMmConfigOf(selection.variants, params.frames, arch.reservedFrames),
    // x86 boot leaves its reserved frames to the sink: they are the kernel image.
    machineFrameSink(frames, machine, 'kernel-text'),
    phases,
  );
  const run: X86Run = { machine, arch, lm, mermaps: new Map() };
  container.register(X86_RUN, { useValue: run });
  container.register(LINUX_MM, { useValue: lm });
  container.register(Tokens.Kernel, { useValue: new X86Kernel(lm, arch, machine, signalsOf(container)) });
  container.register(Tokens.Pmap, { useValue: new X86PmapTable(lm, arch, machine) });
  container.register(Tokens.VmMap, { useValue: lm.vmMaps });
  container.register(Tokens.MmuGather, { useValue: lm.gathers });
  container.register(Tokens.PageAllocator, { useValue: lm.pageAllocator });
  container.register(Tokens.KernelMemory, { useValue: lm.kernelMemory });
}

export const linuxX86 = {
  name: 'linux-x86',
  os: 'linux',
  arch: 'x86_64',
  description:
    'Linux on x86-64: the generic mm (VMAs, mmu_gather, free_pgtables, vmalloc with lazy purge and ' +
    'VM_FLUSH_RESET_PERMS, buddy allocator with freetypes, mermap, pkeys bound to VMAs) over the x86 hooks — ' +
    'IPI shootdowns with the single-page ceiling, lazy-TLB CPUs and PCID tlb_gen catch-up, CPA with alias ' +
    'processing and direct-map splits, spurious_kernel_fault, and a tlb_flush() that ignores VMA flags.',
  claims: CLAIMS,
  mechanisms: {
    shootdown,
    vfree,
    'unmapped-alloc': unmappedAlloc,
    'free-pgtables': freePgtables,
    'tlb-flush': tlbFlush,
    'pfnmap-flush': pfnmapFlush,
    'nested-gather': nestedGather,
    pkeys,
    'cpa-flush': cpaFlush,
  },
  configure,
  preflight,
} satisfies PolicyDefinition;
