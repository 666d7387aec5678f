// Loads every shootdown plug-in oclif knows about into one registry, through core's loader (validate the
// manifest, import the entry, call `register(ctx)`) — the path built-in and third-party plug-ins share.
// A plug-in that fails is named in a warning and the others keep working (DESIGN §3).
import { fileURLToPath } from 'node:url';
import { Config } from './oclif.js';
import { loadPluginFolders, PolicyRegistry, type LoadReport } from '@shootdown/core';
import { shootdownPlugins, type ShootdownPluginRef } from './discovery.js';

export interface LoadedRegistry {
  readonly registry: PolicyRegistry;
  readonly plugins: readonly ShootdownPluginRef[];
  readonly report: LoadReport;
}

export async function loadRegistryFromConfig(
  config: Pick<Config, 'getPluginsList'>,
): Promise<LoadedRegistry> {
  const plugins = shootdownPlugins(config);
  const registry = new PolicyRegistry();
  const report = await loadPluginFolders(
    plugins.map((p) => p.root),
    registry,
    { skipNonPlugins: true },
  );
  return { registry, plugins, report };
}

/**
 * The same discovery and loading for programmatic use (tests, scripts): oclif reads the CLI's package.json
 * (its `oclif.plugins`) and the user's installed and linked plug-ins, exactly as `shootdown` does.
 */
export async function loadRegistryLikeCli(
  options: { readonly cliRoot?: string; readonly userPlugins?: boolean } = {},
): Promise<LoadedRegistry> {
  const config = await Config.load({
    root: options.cliRoot ?? cliPackageRoot(),
    // Tests pass false so that plug-ins a developer installed for themselves cannot change a verdict.
    userPlugins: options.userPlugins ?? true,
  });
  return loadRegistryFromConfig(config);
}

export function cliPackageRoot(): string {
  return fileURLToPath(new URL('..', import.meta.url));
}

/** One line per plug-in that could not be loaded, for stderr. */
export function failureWarnings(report: LoadReport): string[] {
  return report.failures.map((f) => `warning: plug-in ${f.plugin} was not loaded: ${f.message}`);
}
