// The reference plug-in's registry, loaded exactly as a third-party plug-in is (by its folder) — with the
// toy plug-in of the runner fixtures beside it when asked (it adds a variant and an op of its own).
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { loadPlugins, type PolicyRegistry } from '../src/index.js';

const referenceDir = fileURLToPath(new URL('../../../plugins/reference', import.meta.url));
const toyDir = fileURLToPath(new URL('./fixtures/runner/plugins/extra-variant', import.meta.url));

export async function referenceRegistry(options: { toy?: boolean } = {}): Promise<PolicyRegistry> {
  const loaded = await loadPlugins(options.toy === true ? [referenceDir, toyDir] : [referenceDir]);
  expect(loaded.failures).toEqual([]);
  return loaded.registry;
}
