// How a selection is configured into a run's container, in one place for every host (the engine's
// runner, the conformance kit, tests): the policy's own `configure`, then the `configure` of each
// selected variant that has one.
import type { MachineParams } from '@shootdown/mmu';
import type { DependencyContainer } from 'tsyringe';
import type { MechanismDefinition, PolicyDefinition, Preflight, ResolvedSelection } from './definition.js';

/**
 * A policy's `configure` sees only variant names the policy itself declared (issue 10 defect 7: a host
 * switch meeting a name it does not know did nothing). Where the selection names a variant another plug-in
 * contributed, the host is configured with that mechanism's default and the contributed variant's own
 * `configure` — required at registration — then replaces what it changes.
 */
export function configureSelection(
  def: PolicyDefinition,
  mechanisms: Readonly<Record<string, MechanismDefinition>>,
  host: (container: DependencyContainer, selection: ResolvedSelection) => void,
  container: DependencyContainer,
  selection: ResolvedSelection,
): void {
  let hostVariants: Record<string, string> | null = null;
  for (const [mech, variant] of Object.entries(selection.variants)) {
    const own = def.mechanisms[mech];
    if (own === undefined || Object.hasOwn(own.variants, variant)) continue;
    hostVariants ??= { ...selection.variants };
    hostVariants[mech] = own.default;
  }
  host(container, hostVariants === null ? selection : { ...selection, variants: hostVariants });
  for (const [mech, variant] of Object.entries(selection.variants)) {
    mechanisms[mech]?.variants[variant]?.configure?.(container, selection);
  }
}

/**
 * The policy's `preflight` for a selection, or null (only a boot can tell) when a selected variant has a
 * `configure` of its own: that one runs after the policy's and may register or throw anything.
 */
export function preflightSelection(
  preflight: NonNullable<PolicyDefinition['preflight']>,
  mechanisms: Readonly<Record<string, MechanismDefinition>>,
  machine: MachineParams,
  selection: ResolvedSelection,
): Preflight | null {
  for (const [mech, variant] of Object.entries(selection.variants)) {
    if (mechanisms[mech]?.variants[variant]?.configure !== undefined) return null;
  }
  return preflight(machine, selection);
}
