// @shootdown/cli: the `shootdown` command (commands in ./commands, run by bin/run.js). Exported here for
// tests and scripts: plug-in discovery and loading exactly as the command does it, and the exit codes.
export { shootdownPlugins, type ShootdownPluginRef } from './discovery.js';
export {
  cliPackageRoot,
  failureWarnings,
  loadRegistryFromConfig,
  loadRegistryLikeCli,
  type LoadedRegistry,
} from './load-plugins.js';
export { EXIT_BAD_INPUT, EXIT_FINDING, EXIT_INTERNAL, EXIT_OK } from './errors.js';
export { resolveScenarioRef, type ScenarioRef } from './scenario-ref.js';
export { loadOptionsFor } from './scenario-input.js';
