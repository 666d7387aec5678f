// loadPluginFolders at the edges (DESIGN §3 "Plug-ins": one discovery path; a plug-in that fails at any
// stage is named and the others keep loading): unreadable package.json, packages that are no plug-ins,
// entries that cannot be imported, and variants left waiting for a policy no plug-in provides.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyRegistry, loadPluginFolders } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'shootdown-loader-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function pkg(name: string, pjson: string, files: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), pjson);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}
const manifest = (entry: string, policies: string[] = ['toy-os']) =>
  JSON.stringify({
    name: `p-${entry}`,
    type: 'module',
    shootdown: { apiVersion: 1, policies, entry: `./${entry}` },
  });

describe('loadPluginFolders at the edges', () => {
  it('a folder without a shootdown manifest is a failure, or skipped when asked', async () => {
    const plain = pkg('plain', JSON.stringify({ name: 'plain-package' }));
    const r = await loadPluginFolders([plain], new PolicyRegistry());
    expect(r).toEqual({
      loaded: [],
      failures: [
        {
          plugin: 'plain-package',
          message: 'package.json has no "shootdown" manifest (not a shootdown policy plug-in)',
        },
      ],
    });
    expect(await loadPluginFolders([plain], new PolicyRegistry(), { skipNonPlugins: true })).toEqual({
      loaded: [],
      failures: [],
    });
  });

  it('an unreadable package.json is named by its folder', async () => {
    const broken = pkg('broken', '{ not json');
    const r = await loadPluginFolders([broken], new PolicyRegistry());
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0].plugin).toBe(broken);
    expect(r.failures[0].message).toContain(`cannot read ${join(broken, 'package.json')}: `);
  });

  it('an entry that throws on import is named with the import error', async () => {
    const bad = pkg('bad-import', manifest('index.js'), {
      'index.js': "throw new Error('no such module');\n",
    });
    const r = await loadPluginFolders([bad], new PolicyRegistry());
    expect(r.failures).toEqual([
      { plugin: 'p-index.js', message: 'cannot import entry ./index.js: no such module' },
    ]);
  });

  it('a loaded plug-in is reported with its folder and policies; a variant for a missing policy is a failure', async () => {
    const good = fileURLToPath(new URL('./fixtures/plugins/good', import.meta.url));
    const stray = pkg('stray', manifest('stray.js', ['stray-os']), {
      'stray.js': [
        'export function register(ctx) {',
        "  ctx.registry.addPolicy({ name: 'stray-os', os: 'x', arch: 'x86_64', description: 'd', claims: [], mechanisms: {}, configure() {} });",
        "  ctx.registry.addVariant('nobody', 'vfree', 'x', { description: 'd', source: 's', configure() {} });",
        '}',
        '',
      ].join('\n'),
    });
    const registry = new PolicyRegistry();
    const r = await loadPluginFolders([good, stray], registry);
    expect(r.loaded).toEqual([
      { plugin: 'fixture-good', dir: good, policies: ['toy-os'] },
      { plugin: 'p-stray.js', dir: stray, policies: ['stray-os'] },
    ]);
    expect(r.failures).toEqual([
      { plugin: 'nobody:vfree=x', message: 'variant contributed to a policy no plug-in provides' },
    ]);
  });
});
