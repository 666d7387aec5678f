// The reference plug-in's registry, loaded exactly as a third-party plug-in is (by its folder).
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { loadPlugins, type PolicyRegistry } from '../src/index.js';

const referenceDir = fileURLToPath(new URL('../../../plugins/reference', import.meta.url));

export async function referenceRegistry(): Promise<PolicyRegistry> {
  const loaded = await loadPlugins([referenceDir]);
  expect(loaded.failures).toEqual([]);
  return loaded.registry;
}
