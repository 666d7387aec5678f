// Programmatic plug-in loading for the engine: the same path the CLI takes (DESIGN §3 "Discovery has
// one path for everyone") — package folders → manifest → entry → register(ctx).
import { PolicyRegistry, loadPluginFolders, resolveSelection, type LoadReport } from '@shootdown/core';

export interface LoadedRegistry extends LoadReport {
  readonly registry: PolicyRegistry;
}

/** Load the plug-ins in `dirs` into a fresh registry (or `into`); failures are reported, never thrown. */
export async function loadPlugins(
  dirs: readonly string[],
  options: { readonly into?: PolicyRegistry; readonly skipNonPlugins?: boolean } = {},
): Promise<LoadedRegistry> {
  const registry = options.into ?? new PolicyRegistry();
  const report = await loadPluginFolders(dirs, registry, {
    ...(options.skipNonPlugins !== undefined ? { skipNonPlugins: options.skipNonPlugins } : {}),
  });
  return { registry, ...report };
}

/**
 * What the scenario loader needs to know about the loaded plug-ins: the schema fragments of their ops,
 * their probes and counters (pass as `LoadOptions` to `loadScenarioFile` / `loadScenarioText`).
 */
export function scenarioOptionsFor(registry: PolicyRegistry): {
  opSchemas: Record<string, Record<string, unknown>>;
  probes: string[];
  counters: string[];
  selection: (text: string) => string | null;
} {
  return {
    opSchemas: Object.fromEntries(registry.ops().map((o) => [o.name, o.schema as Record<string, unknown>])),
    probes: registry.probes().map((p) => p.name),
    counters: registry.counters().map((c) => c.name),
    selection: selectionChecker(registry),
  };
}

/** A selection pattern (`linux-x86`, `linux-x86:vfree=arch-vunmap-v2`, `raw-mmu:arm64`) the registry can
 *  resolve → null; otherwise the registry's message (unknown policy, mechanism or variant, with a guess). */
export function selectionChecker(registry: PolicyRegistry): (text: string) => string | null {
  return (text) => {
    try {
      resolveSelection(registry, text);
      return null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  };
}
