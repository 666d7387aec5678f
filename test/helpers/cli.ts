// Runs the built CLI (`packages/cli/bin/run.js`) as a child process, the way a user does, with a private
// HOME / XDG folders so `plugins install` and `plugins link` never touch the user's own oclif data.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url));
export const binPath: string = fileURLToPath(new URL('../../packages/cli/bin/run.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A throw-away home for one test file: oclif keeps installed/linked plug-ins under XDG_DATA_HOME. */
export interface CliHome {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function makeHome(prefix = 'shootdown-e2e-'): CliHome {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: dir,
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    OCLIF_SKIP_NEW_VERSION_CHECK: '1',
    // npm, run by `plugins install`, must stay offline-safe and quiet.
    npm_config_cache: join(dir, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function runCli(
  args: readonly string[],
  home: CliHome,
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [binPath, ...args],
      {
        cwd: opts.cwd ?? home.dir,
        env: home.env,
        // Generous: the whole test suite shares a small machine with every other package's tests.
        timeout: opts.timeoutMs ?? 280_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Fails with the whole output when a run did not end as expected, so a red test explains itself. */
export function describeRun(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
