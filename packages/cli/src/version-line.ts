// `shootdown --version` without loading oclif. Loading oclif (its config, every plug-in's manifest, the
// node-version check) costs more CPU than DESIGN §8 allows the whole call; the line itself is only the
// package name and version, the platform and node's version — oclif's `Config.userAgent`
// (@oclif/core lib/config/config.js). The fast path steps aside whenever oclif could print something
// else: a user-installed plug-in (its `init` hook runs before the version is printed) or WSL (oclif
// names the platform `wsl`). Nothing here may import more than node's own modules.
import { existsSync, readFileSync } from 'node:fs';
import { arch, homedir, platform, release } from 'node:os';
import { join } from 'node:path';

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly oclif?: { readonly dirname?: string; readonly additionalVersionFlags?: readonly string[] };
}

/** oclif's data directory (Config.dir('data')), where `plugins install` keeps the user's plug-ins. */
function userPluginList(pjson: PackageJson): string {
  const dir =
    process.env['SHOOTDOWN_DATA_DIR'] ??
    join(
      process.env['XDG_DATA_HOME'] ?? join(process.env['HOME'] ?? homedir(), '.local/share'),
      pjson.oclif?.dirname ?? pjson.name,
    );
  return join(dir, 'package.json');
}

/**
 * The line oclif prints for `argv` when it is a version request that needs no plug-in, or undefined when
 * oclif must handle the call.
 */
export function fastVersionLine(argv: readonly string[]): string | undefined {
  if (argv.length !== 1) return undefined;
  if (platform() === 'win32' || release().toLowerCase().includes('microsoft')) return undefined;
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson;
  const flags = new Set(['--version', ...(pjson.oclif?.additionalVersionFlags ?? [])]);
  if (!flags.has(argv[0]!)) return undefined;
  if (existsSync(userPluginList(pjson))) return undefined;
  const cpu = arch() === 'ia32' ? 'x86' : arch();
  return `${pjson.name}/${pjson.version} ${platform()}-${cpu} node-${process.version}`;
}
