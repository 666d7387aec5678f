// What loading the built packages costs is mostly which modules they pull in (DESIGN §8, the CLI budget:
// a one-scenario `run` imports the engine and every plug-in on the main thread and again in its run
// worker). These libraries must load only on the paths that use them: yaml when a scenario's text is
// parsed, ajv when a plug-in's op fragment is compiled or a document fails (the build precompiled the
// rest), tsyringe when a run makes its first container. A child process imports the built packages as the run worker does and lists the CommonJS
// modules it loaded.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { binPath, repoRoot } from './helpers/cli.js';

const PLUGINS = ['arm64-pkey', 'freebsd-amd64', 'linux-x86', 'reference'];

/** Files of the CommonJS module cache after running `script` (an ES module body) in a fresh node. */
function loadedAfter(script: string): string[] {
  const body = `${script}
const { createRequire } = await import('node:module');
process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', body], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

/** Files of the CommonJS module cache when `shootdown <args>` exits (a preloaded module lists them). */
function loadedByCli(args: readonly string[]): string[] {
  const list = `import { createRequire } from 'node:module';
const cache = createRequire(process.execPath).cache;
process.on('exit', () => process.stderr.write('\\nloaded ' + JSON.stringify(Object.keys(cache)) + '\\n'));`;
  const r = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(list)}`, binPath, ...args],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  const line = /^loaded (.*)$/m.exec(r.stderr);
  if (line === null) throw new Error(`shootdown ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(line[1]!) as string[];
}

const from = (files: string[], name: string): string[] =>
  files.filter((f) => f.includes(`/node_modules/${name}/`) || f.endsWith(`/vendor/${name}.cjs`));

describe('start-up imports', () => {
  it('the engine, core and every built-in plug-in load without yaml, ajv or tsyringe', () => {
    const files = loadedAfter(`
import '@shootdown/engine';
const { loadPluginFolders, PolicyRegistry } = await import('@shootdown/core');
const report = await loadPluginFolders(${JSON.stringify(PLUGINS.map((p) => `${repoRoot}plugins/${p}`))}, new PolicyRegistry(), { skipNonPlugins: true });
if (report.failures.length > 0) throw new Error(JSON.stringify(report.failures));`);
    expect(files.some((f) => f.includes('/node_modules/reflect-metadata/'))).toBe(true); // core's first import
    expect(from(files, 'tsyringe')).toEqual([]);
    expect(from(files, 'yaml')).toEqual([]);
    expect(from(files, 'ajv')).toEqual([]);
  });

  it('loading a valid scenario brings in yaml, and of ajv only the helpers precompiled validators call', () => {
    const files = loadedAfter(`
const { loadScenarioFile } = await import('@shootdown/engine');
const { loadOptionsFor, loadRegistryLikeCli, resolveScenarioRef } = await import('@shootdown/cli');
const { registry } = await loadRegistryLikeCli({ userPlugins: false });
const r = await loadScenarioFile(resolveScenarioRef('vfree-exec-reuse').path, loadOptionsFor(registry));
if (!r.ok) throw new Error(JSON.stringify(r.errors));`);
    expect(from(files, 'yaml').length).toBeGreaterThan(0);
    expect(from(files, 'ajv').filter((f) => !f.includes('/ajv/dist/runtime/'))).toEqual([]);
  });

  // oclif is one file of the CLI's build (packages/cli/src/oclif.ts), not the package's ~160 modules
  it('a run loads the build’s one-file @oclif/core and none of the package’s modules', () => {
    const files = loadedByCli(['run', 'vfree-exec-reuse', '--policy', 'linux-x86']);
    expect(files.filter((f) => f.endsWith('/packages/cli/dist/vendor/oclif-core.cjs'))).toHaveLength(1);
    expect(from(files, '@oclif/core')).toEqual([]);
    expect(from(files, 'semver')).toEqual([]);
  });

  // and compiled from the V8 code cache the build wrote (packages/cli/scripts/write-code-cache.js); its
  // module loader still imports the commands, through oclif.ts's import() (core's code-cache.ts)
  it('the one-file @oclif/core compiles from its code cache and imports a command', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `await import('reflect-metadata');
const { usedCodeCache } = await import('@shootdown/core');
const { Config, vendoredOclif } = await import(${JSON.stringify(`${repoRoot}packages/cli/dist/oclif.js`)});
const config = await Config.load(${JSON.stringify(`${repoRoot}packages/cli`)});
const run = await config.findCommand('run').load();
process.stdout.write(JSON.stringify({ cached: usedCodeCache(vendoredOclif), run: typeof run.prototype.run }));`,
      ],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, OCLIF_DISABLE_ENGINE_WARNING: '1' } },
    );
    expect(JSON.parse(out)).toEqual({ cached: true, run: 'function' });
  });

  // tsyringe is the engine's one file too (engine runner/root-container.ts), not the package's ~33 modules
  it('a run makes its container with the build’s one-file tsyringe, wraps with one-file wrap-ansi, draws its tables without cli-table3', () => {
    const files = loadedByCli(['run', 'vfree-exec-reuse', '--policy', 'linux-x86']);
    expect(files.filter((f) => f.endsWith('/packages/engine/dist/vendor/tsyringe.cjs'))).toHaveLength(1);
    expect(files.filter((f) => f.includes('/node_modules/tsyringe/'))).toEqual([]);
    // its key's prose is wrapped by the build's one-file wrap-ansi (render/grid.ts)
    expect(files.filter((f) => f.endsWith('/packages/engine/dist/vendor/wrap-ansi.cjs'))).toHaveLength(1);
    // and its tables, every cell printable ASCII that fits, are drawn and measured without cli-table3 and
    // string-width (render/fitting-table.ts): neither the one-file copies nor the packages load
    for (const name of ['cli-table3', 'string-width', 'wrap-ansi']) {
      expect(files.filter((f) => f.includes(`/node_modules/${name}/`))).toEqual([]);
    }
    for (const name of ['cli-table3', 'string-width'])
      expect(files.filter((f) => f.endsWith(`/packages/engine/dist/vendor/${name}.cjs`))).toEqual([]);
  });

  // freebsd-amd64 does not support vfree's kernel ops: its column marks failed expectations with ✗
  it('a table with a cell not printable ASCII is drawn by the one-file cli-table3 and string-width', () => {
    const files = loadedByCli(['run', 'vfree-exec-reuse', '--policy', 'freebsd-amd64']);
    for (const name of ['cli-table3', 'string-width']) {
      expect(files.filter((f) => f.endsWith(`/packages/engine/dist/vendor/${name}.cjs`))).toHaveLength(1);
      expect(files.filter((f) => f.includes(`/node_modules/${name}/`))).toEqual([]);
    }
  });
});
