// Writes oclif.manifest.json after every build, so it is never stale. With the manifest oclif lists the
// commands and their flags without importing every command module (and with them the engine and every
// plug-in) on each call; without it, `shootdown --help` or a one-scenario `run` pays for all of them.
// The same Plugin load that `oclif manifest` does (oclif lib/commands/manifest.js), without the oclif
// CLI's network check for a newer oclif during a build.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const plugin = new Plugin({
  errorOnManifestCreate: true,
  ignoreManifest: true,
  respectNoCacheDefault: true,
  root,
  type: 'core',
});
await plugin.load();
if (!plugin.valid) throw new Error(`${root}: not a valid oclif plug-in`);
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest, null, 2));
