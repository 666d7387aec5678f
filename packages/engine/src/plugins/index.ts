export { loadPlugins, scenarioOptionsFor, selectionChecker, type LoadedRegistry } from './load.js';
export {
  loadPluginFolders,
  PolicyRegistry,
  resolveSelection,
  parseSelection,
  expandVary,
  SelectionError,
  type LoadReport,
  type PluginFailure,
  type LoadedPlugin,
  type ResolvedSelection,
} from '@shootdown/core';
