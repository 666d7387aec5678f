import type { InjectionToken } from 'tsyringe';
import type { KernelBoot } from './contracts/boot.js';
import type { Counters } from './contracts/counters.js';
import type { FrameBook } from './contracts/frame-book.js';
import type { Kernel } from './contracts/kernel.js';
import type { KernelMemory } from './contracts/kernel-memory.js';
import type { MmuGatherFactory } from './contracts/mmu-gather.js';
import type { PageAllocator } from './contracts/page-allocator.js';
import type { PhaseHook } from './contracts/phases.js';
import type { SignalDelivery } from './contracts/signals.js';
import type { PmapTable } from './contracts/pmap.js';
import type { VmMapTable } from './contracts/vm-map.js';
import type { ResolvedSelection } from './policy/definition.js';

/**
 * One injection token per contract. `Symbol.for` keeps a token identical across two copies of this
 * package (a third-party plug-in installed outside the workspace carries its own copy: TOOLCHAIN).
 * Interfaces are injected by token, never by class.
 */
export const Tokens = {
  /** `VmMapTable`: the per-process VmMap (registered by the policy). */
  VmMap: Symbol.for('@shootdown/core:VmMap') as InjectionToken<VmMapTable>,
  /** `PmapTable`: the per-address-space Pmap, the kernel pmap and its direct map (policy). */
  Pmap: Symbol.for('@shootdown/core:Pmap') as InjectionToken<PmapTable>,
  /** `MmuGatherFactory` (policy). */
  MmuGather: Symbol.for('@shootdown/core:MmuGather') as InjectionToken<MmuGatherFactory>,
  /** `PageAllocator` (policy). */
  PageAllocator: Symbol.for('@shootdown/core:PageAllocator') as InjectionToken<PageAllocator>,
  /** `KernelMemory` (policy). */
  KernelMemory: Symbol.for('@shootdown/core:KernelMemory') as InjectionToken<KernelMemory>,
  /** `Kernel`: processes, scheduling, keys rights, accesses, stray writes, revoke (policy). */
  Kernel: Symbol.for('@shootdown/core:Kernel') as InjectionToken<Kernel>,
  /** `KernelBoot`: late init as a scenario step (policy; optional). */
  Boot: Symbol.for('@shootdown/core:Boot') as InjectionToken<KernelBoot>,
  /** The simulated machine (`Machine` of @shootdown/mmu), built by the runner before `configure`. */
  Machine: Symbol.for('@shootdown/core:Machine') as InjectionToken<unknown>,
  /** `FrameBook`: the kernel's frame bookkeeping the invariants read (runner; the policy writes). */
  FrameBook: Symbol.for('@shootdown/core:FrameBook') as InjectionToken<FrameBook>,
  /** `PhaseHook`: call `reach(phase)` at `cleared` / `unlinked` / `flushed` (runner). */
  Phases: Symbol.for('@shootdown/core:Phases') as InjectionToken<PhaseHook>,
  /** `SignalDelivery`: whether a fault signal finds a handler or kills the process (runner). */
  Signals: Symbol.for('@shootdown/core:Signals') as InjectionToken<SignalDelivery>,
  /** `Counters` (runner). */
  Counters: Symbol.for('@shootdown/core:Counters') as InjectionToken<Counters>,
  /**
   * Why this selection cannot run on this machine at all (policy; optional), e.g. a design the modelled kernel
   * does not support on the machine's linear map. A policy that registers it registers no contract: every
   * OS-level op is then `unsupported` and the runner writes the reason into the notes once.
   */
  Unsupported: Symbol.for('@shootdown/core:Unsupported') as InjectionToken<string>,
  /** `ResolvedSelection` of the run (runner). */
  Selection: Symbol.for('@shootdown/core:Selection') as InjectionToken<ResolvedSelection>,
} as const;

export type TokenName = keyof typeof Tokens;
