import type { MachineParams } from '@shootdown/mmu';
import type { DependencyContainer } from 'tsyringe';
import type { InvariantId } from './invariant-ids.js';

/** Architectures the MMU models; a policy runs on exactly one. */
export type Arch = 'x86_64' | 'arm64';
export const ARCHES: readonly Arch[] = ['x86_64', 'arm64'];

/**
 * One variant of a mechanism: a behaviour some kernel (or patch) has. Names are the spec files' names
 * without the OS tag (`linux-reset-perms` → `reset-perms`); arm64's `pt-…` names stay whole.
 */
export interface VariantDefinition {
  /** One paragraph: what the variant does and why it matters. */
  readonly description: string;
  /** The patch, commit or document it models (`868b104d7379`, `D39556 rev 1`, `S002 RFC 00/19`). */
  readonly source: string;
  /** Invariants this variant adds to the policy's claims. */
  readonly claims?: readonly InvariantId[];
  /** Invariants this variant gives up (an unsafe or historical variant): removed from the claims. */
  readonly disclaims?: readonly InvariantId[];
  /**
   * The implementation of a variant contributed to another plug-in's policy (`registry.addVariant`
   * refuses one without it): called after the policy's own `configure`, which ran with the mechanism's
   * default (the host's code knows only its own names), so it replaces registrations for its mechanism.
   */
  readonly configure?: (container: DependencyContainer, selection: ResolvedSelection) => void;
}

export interface MechanismDefinition {
  readonly description: string;
  /** The variant that is today's upstream behaviour. */
  readonly default: string;
  readonly variants: Readonly<Record<string, VariantDefinition>>;
}

/**
 * A policy: one OS on one arch. Declared, not coded into a switch: the engine reads its metadata and
 * calls `configure` on a fresh child container for every run.
 */
export interface PolicyDefinition {
  /** `linux-x86`, `freebsd-amd64`, `arm64-pkey`, `reference`, … (kebab-case, no `:`). */
  readonly name: string;
  /** `linux`, `freebsd`, `none`, … */
  readonly os: string;
  readonly arch: Arch;
  readonly description: string;
  /** Invariants the policy claims whatever the variants (each variant may add or give some up). */
  readonly claims: readonly InvariantId[];
  readonly mechanisms: Readonly<Record<string, MechanismDefinition>>;
  /**
   * Register, for the selected variants, the implementations of the tokens (`Tokens.Kernel`,
   * `Tokens.VmMap`, `Tokens.Pmap`, `Tokens.MmuGather`, `Tokens.PageAllocator`, `Tokens.KernelMemory`)
   * with `useFactory` / `useValue`. The runner has already registered `Tokens.Machine`,
   * `Tokens.FrameBook`, `Tokens.Phases`, `Tokens.Signals`, `Tokens.Counters` and `Tokens.Selection` in `container`.
   */
  configure(container: DependencyContainer, selection: ResolvedSelection): void;
  /**
   * What `configure` decides from the machine's parameters alone, before it boots anything. The runner
   * asks it instead of calling `configure` when a run gives the OS nothing to do (every step hardware-level,
   * DESIGN §4: each is `unsupported` under a policy), so such a run does not pay for a boot whose kernel is
   * never asked anything. Returns what `configure` would register as `Tokens.Unsupported` (`{ unsupported }`),
   * `{}` when `configure` would boot without failing and register nothing of the kind, or null when only a
   * boot can tell; it throws what `configure` would throw, with the same message. A boot it answers `{}` for
   * must leave nothing the invariants judge when a step ends (no stale TLB or walk-cache record, no expected
   * key range). Optional: without it the runner boots.
   */
  readonly preflight?: (machine: MachineParams, selection: ResolvedSelection) => Preflight | null;
}

/** `PolicyDefinition.preflight`'s answer: why the selection is unsupported on the machine, if it is. */
export interface Preflight {
  readonly unsupported?: string;
}

/** A selection after parsing and checking against the registry: every mechanism has its variant. */
export interface ResolvedSelection {
  /** `linux-x86`, or `raw-mmu` for the built-in hardware-only selection. */
  readonly policy: string;
  readonly arch: Arch;
  /** mechanism → variant, defaults filled in, keys in the policy's mechanism order. */
  readonly variants: Readonly<Record<string, string>>;
  /** Canonical text: `linux-x86` when every variant is the default, else only non-defaults, sorted
   *  by mechanism name; `raw-mmu:x86_64` for the raw machine. */
  readonly text: string;
  /** The invariants the selection claims (policy claims + variant claims − variant disclaims), sorted. */
  readonly claims: readonly InvariantId[];
}

/** A plug-in's own registry object, checked with `satisfies` (as typescript-eslint registers rules):
 *  `export const policies = { 'my-os': myOs } satisfies PolicyMap;` */
export type PolicyMap = Readonly<Record<string, PolicyDefinition>>;
