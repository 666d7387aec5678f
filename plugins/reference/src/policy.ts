// The reference policy's declaration: no mechanisms, every invariant claimed (the soft
// `stale-direct-map` is never a finding anyway).
import {
  INVARIANT_IDS,
  signalsOf,
  Tokens,
  type Counters,
  type FrameBook,
  type PhaseHook,
  type PolicyDefinition,
} from '@shootdown/core';
import type { Machine } from '@shootdown/mmu';
import { ReferenceGather } from './gather.js';
import { ReferenceKernel } from './kernel.js';
import { ReferenceKernelMemory } from './kernel-memory.js';
import { ReferenceMm } from './mm.js';
import { bootFramesAtMost, ReferenceOs } from './os.js';
import { ReferencePageAllocator } from './page-allocator.js';
import { ReferencePmapTable } from './pmap.js';
import { ReferenceVmMap } from './vm-map.js';

export const referencePolicy = {
  name: 'reference',
  os: 'none',
  arch: 'x86_64',
  description:
    'The simplest safe OS: every change to a translation is followed by a full flush on every CPU (an IPI to each), page tables and frames are freed only after it, keys live and die with their mappings, page-table frames are read-only in the linear map. The cost-of-safety baseline.',
  claims: INVARIANT_IDS.filter((id) => id !== 'stale-direct-map'),
  mechanisms: {},
  // No mechanisms, so nothing to decide but whether memory holds the boot (ReferenceOs): when it holds the
  // most the boot can take, the boot succeeds and ends with flush_tlb_all after re-storing the page-table
  // frames read-only, so no stale entry is left for a step's invariants. Below that only the boot can tell.
  preflight: (machine) => (bootFramesAtMost(machine.frames) <= machine.frames ? {} : null),
  configure(container) {
    // Boot now, before the run starts counting: the kernel half, the linear map, the kernel image.
    const machine = container.resolve(Tokens.Machine) as Machine;
    const os = new ReferenceOs(
      machine,
      container.resolve<FrameBook>(Tokens.FrameBook),
      container.resolve<Counters>(Tokens.Counters),
      container.resolve<PhaseHook>(Tokens.Phases),
    );
    const mm = new ReferenceMm(os);
    const kernel = new ReferenceKernel(mm, signalsOf(container));
    const maps = new Map<number, ReferenceVmMap>();
    container.register(Tokens.Kernel, { useValue: kernel });
    container.register(Tokens.VmMap, {
      useValue: {
        of: (pid: number) => {
          const p = kernel.proc(pid);
          if (p === undefined) return undefined;
          let vm = maps.get(pid);
          if (vm === undefined || vm.proc !== p) maps.set(pid, (vm = new ReferenceVmMap(mm, p)));
          return vm;
        },
      },
    });
    container.register(Tokens.Pmap, { useValue: new ReferencePmapTable(kernel) });
    container.register(Tokens.MmuGather, { useValue: { create: () => new ReferenceGather(os) } });
    container.register(Tokens.PageAllocator, { useValue: new ReferencePageAllocator(os) });
    container.register(Tokens.KernelMemory, { useValue: new ReferenceKernelMemory(os) });
  },
} satisfies PolicyDefinition;
