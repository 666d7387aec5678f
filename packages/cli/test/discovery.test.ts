import type { Config } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { shootdownPlugins } from '../src/discovery.js';

type PluginList = ReturnType<Config['getPluginsList']>;

function fakeConfig(plugins: { name: string; root: string; type: string; pjson: object }[]) {
  return { getPluginsList: () => plugins as unknown as PluginList };
}

// DESIGN §3: keep the oclif plug-ins whose package.json carries a `shootdown` manifest.
describe('plug-in discovery', () => {
  it('keeps only plug-ins with a shootdown manifest, sorted by name', () => {
    const found = shootdownPlugins(
      fakeConfig([
        { name: '@shootdown/cli', root: '/r/cli', type: 'core', pjson: {} },
        { name: 'z-policy', root: '/r/z', type: 'user', pjson: { shootdown: { apiVersion: 1 } } },
        { name: '@oclif/plugin-plugins', root: '/r/pp', type: 'core', pjson: { oclif: {} } },
        { name: 'a-policy', root: '/r/a', type: 'link', pjson: { shootdown: { apiVersion: 1 } } },
      ]),
    );
    expect(found).toEqual([
      { name: 'a-policy', root: '/r/a', type: 'link' },
      { name: 'z-policy', root: '/r/z', type: 'user' },
    ]);
  });

  it('ignores a manifest that is not an object', () => {
    const found = shootdownPlugins(
      fakeConfig([{ name: 'odd', root: '/r/odd', type: 'user', pjson: { shootdown: 'yes' } }]),
    );
    expect(found).toEqual([]);
  });
});
