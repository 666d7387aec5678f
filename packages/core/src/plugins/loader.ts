import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PolicyRegistry } from '../policy/registry.js';
import { containedEntry } from './entry-path.js';
import { checkManifest } from './manifest.js';
import { createRegisterContext, type RegisterFunction } from './register-context.js';

export interface LoadedPlugin {
  /** The package name. */
  readonly plugin: string;
  readonly dir: string;
  readonly policies: readonly string[];
}

export interface PluginFailure {
  /** The package name, or the folder when package.json could not be read. */
  readonly plugin: string;
  readonly message: string;
}

export interface LoadReport {
  readonly loaded: readonly LoadedPlugin[];
  readonly failures: readonly PluginFailure[];
}

/**
 * Load policy plug-ins from package folders, in the order given: read package.json, validate the
 * `shootdown` manifest, import the entry, call `register(ctx)`. A plug-in that fails at any stage is
 * named in `failures` and the others keep loading — the same path the CLI takes for oclif plug-ins.
 * Folders without a `shootdown` field are skipped silently only when `skipNonPlugins` is set (the
 * CLI passes every oclif plug-in); otherwise they are failures.
 */
export async function loadPluginFolders(
  dirs: readonly string[],
  registry: PolicyRegistry,
  options: { readonly skipNonPlugins?: boolean } = {},
): Promise<LoadReport> {
  const loaded: LoadedPlugin[] = [];
  const failures: PluginFailure[] = [];
  const ctx = createRegisterContext(registry);
  for (const raw of dirs) {
    const dir = resolve(raw);
    let plugin = dir;
    try {
      let pjson: { name?: unknown; shootdown?: unknown };
      try {
        pjson = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as typeof pjson;
      } catch (e) {
        throw new Error(`cannot read ${join(dir, 'package.json')}: ${message(e)}`);
      }
      if (typeof pjson.name === 'string') plugin = pjson.name;
      if (pjson.shootdown === undefined) {
        if (options.skipNonPlugins === true) continue;
        throw new Error('package.json has no "shootdown" manifest (not a shootdown policy plug-in)');
      }
      const { manifest, errors } = checkManifest(pjson.shootdown);
      if (manifest === undefined) throw new Error(`invalid manifest: ${errors.join('; ')}`);
      const entry = await containedEntry(dir, manifest.entry);
      let mod: { register?: unknown };
      try {
        mod = (await import(pathToFileURL(entry).href)) as typeof mod;
      } catch (e) {
        throw new Error(`cannot import entry ${manifest.entry}: ${message(e)}`);
      }
      if (typeof mod.register !== 'function') {
        throw new Error(`entry ${manifest.entry} does not export a function 'register(ctx)'`);
      }
      try {
        await (mod.register as RegisterFunction)(ctx);
      } catch (e) {
        throw new Error(`register(ctx) threw: ${message(e)}`);
      }
      const missing = manifest.policies.filter((p) => registry.policy(p) === undefined);
      if (missing.length > 0) {
        throw new Error(
          `manifest lists ${missing.join(', ')} but register(ctx) did not add ${missing.length > 1 ? 'them' : 'it'}`,
        );
      }
      loaded.push({ plugin, dir, policies: manifest.policies });
    } catch (e) {
      failures.push({ plugin, message: message(e) });
    }
  }
  for (const orphan of registry.orphanVariants()) {
    failures.push({ plugin: orphan, message: `variant contributed to a policy no plug-in provides` });
  }
  return { loaded, failures };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
