// Third-party plug-ins for the end-to-end tests are copied out of the workspace before use, so nothing in
// them can resolve a workspace package by accident: they must work with only what `register(ctx)` hands them.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliHome } from './cli.js';

export const fixturesDir: string = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Copies `test/fixtures/<name>` into the test's temporary home (outside the workspace); returns its path. */
export function copyFixtureOutside(name: string, home: CliHome): string {
  const dir = join(mkdtempSync(join(home.dir, 'src-')), name);
  cpSync(join(fixturesDir, name), dir, { recursive: true });
  return dir;
}

/** `npm pack` of a plug-in folder; returns the absolute path of the tarball. */
export function npmPack(pluginDir: string, home: CliHome): string {
  const dest = mkdtempSync(join(home.dir, 'tarball-'));
  execFileSync('npm', ['pack', '--pack-destination', dest, '--silent'], {
    cwd: pluginDir,
    env: home.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'));
  if (tgz === undefined) throw new Error(`npm pack produced no tarball in ${dest}`);
  return join(dest, tgz);
}
