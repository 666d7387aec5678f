// Programmatic plug-in loading for the engine: the same path the CLI takes (DESIGN §3 "Discovery has
// one path for everyone") — package folders → manifest → entry → register(ctx).
import { PolicyRegistry, loadPluginFolders, type LoadReport } from '@shootdown/core';

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
} {
  return {
    opSchemas: Object.fromEntries(registry.ops().map((o) => [o.name, o.schema as Record<string, unknown>])),
    probes: registry.probes().map((p) => p.name),
    counters: registry.counters().map((c) => c.name),
  };
}
