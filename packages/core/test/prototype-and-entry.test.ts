// Issue 13 items 1, 3 and 5: user-typed names never find Object.prototype's members, and a plug-in's
// `entry` must be a file of its own package (no `..`, no symlink out of the folder).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PolicyRegistry,
  SelectionError,
  checkManifest,
  expandVary,
  loadPluginFolders,
  resolveSelection,
} from '../src/index.js';
import { toyRegistry as registry } from './toy-policy.js';

describe('selections naming prototype properties', () => {
  it.each(['constructor', '__proto__'])('%s as a mechanism is an unknown mechanism, not a crash', (name) => {
    const r = registry();
    const typed =
      name === '__proto__'
        ? { policy: 'linux-x86', choices: [{ mechanism: name, variant: 'x' }] }
        : `linux-x86:${name}=x`;
    expect(() => resolveSelection(r, typed)).toThrow(SelectionError);
    expect(() => resolveSelection(r, typed)).toThrow(`policy 'linux-x86' has no mechanism '${name}'`);
    expect(() => expandVary(r, `linux-x86:${name}`)).toThrow(`policy 'linux-x86' has no mechanism '${name}'`);
  });
  it('constructor as a variant is an unknown variant', () => {
    expect(() => resolveSelection(registry(), 'linux-x86:vfree=constructor')).toThrow(
      /has no variant 'constructor'/,
    );
  });
});

describe('manifests', () => {
  it('a __proto__ key in a manifest is an unknown property, not a prototype', () => {
    const manifest = JSON.parse(
      '{"apiVersion":1,"policies":[],"entry":"./i.js","__proto__":{"x":1}}',
    ) as unknown;
    const { errors } = checkManifest(manifest);
    expect(errors).toEqual(["/shootdown: unknown property '__proto__'"]);
  });
});

describe('a plug-in entry stays inside its package', () => {
  const root = mkdtempSync(join(tmpdir(), 'shootdown-entry-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const outside = join(root, 'outside.js');
  writeFileSync(outside, 'export function register() { globalThis.__escaped = true; }\n');
  function plugin(name: string, entry: string, link?: string): string {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name, type: 'module', shootdown: { apiVersion: 1, policies: [], entry } }),
    );
    if (link !== undefined) symlinkSync(outside, join(dir, link));
    return dir;
  }

  it('refuses `..` in entry and a symlink that leaves the folder; imports neither', async () => {
    const dotdot = plugin('p-dotdot', './../outside.js');
    const linked = plugin('p-link', './index.js', 'index.js');
    const report = await loadPluginFolders([dotdot, linked], new PolicyRegistry());
    expect(report.loaded).toEqual([]);
    expect(report.failures).toEqual([
      {
        plugin: 'p-dotdot',
        message: "entry ./../outside.js leaves the package folder ('..' is not allowed)",
      },
      {
        plugin: 'p-link',
        message: expect.stringMatching(/^entry \.\/index\.js resolves outside the package folder/) as unknown,
      },
    ]);
    expect((globalThis as { __escaped?: boolean }).__escaped).toBeUndefined();
  });

  it('refuses a backslash `..` and the folder itself (the manifest already requires a leading ./)', async () => {
    const backslash = plugin('p-backslash', './..\\outside.js');
    const itself = plugin('p-itself', './');
    const report = await loadPluginFolders([backslash, itself], new PolicyRegistry());
    expect(report.loaded).toEqual([]);
    const messages = report.failures.map((x) => x.message);
    expect(messages[0]).toBe("entry ./..\\outside.js leaves the package folder ('..' is not allowed)");
    expect(messages[1]).toMatch(/^entry \.\/ resolves outside the package folder/);
    expect(messages).toHaveLength(2);
  });

  it('names a missing entry', async () => {
    const missing = plugin('p-missing', './nope.js');
    const report = await loadPluginFolders([missing], new PolicyRegistry());
    expect(report.failures[0]!.message).toBe('entry ./nope.js cannot be found (ENOENT)');
  });
});
