// DESIGN §8: the whole catalogue under every built-in selection in ≤ 3 s of CPU in one process, and
// `compare` of it with `--jobs 1` in ≤ 300 MiB of memory. "Every built-in selection" is every variant of
// every mechanism of every policy the CLI's own plug-ins provide (`--vary policy:mechanism` for each, a
// policy without mechanisms as itself); "the whole catalogue" is every scenario file under
// packages/catalog/topics.
//  - CPU: this process loads and runs every (scenario, selection) pair through the engine, as
//    `compare --jobs 1` does, and counts the CPU time of loading and running (plug-ins already loaded).
//  - Memory: one `shootdown compare … --jobs 1 --format json` child process; its peak resident size is
//    read by the child itself at exit (peak-usage.js), so nothing else on the machine enters the figure.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listScenarios } from '@shootdown/catalog';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import { loadScenarioFile, runScenario } from '@shootdown/engine';

/** The first pass is a cold process's: bench/run.js runs this file in three and reports the medians. */
export const processes = 3;

const bin = fileURLToPath(new URL('../packages/cli/bin/run.js', import.meta.url));
const peak = new URL('./peak-usage.js', import.meta.url).href;

export function selectionsOf(registry) {
  const flags = [];
  const texts = [];
  for (const policy of registry.policies()) {
    const mechanisms = Object.keys(policy.mechanisms);
    if (mechanisms.length === 0) {
      flags.push('--policy', policy.name);
      texts.push(policy.name);
    }
    for (const m of mechanisms) {
      flags.push('--vary', `${policy.name}:${m}`);
      for (const v of Object.keys(policy.mechanisms[m].variants)) texts.push(`${policy.name}:${m}=${v}`);
    }
  }
  return { flags, texts };
}

/** Runs the CLI under peak-usage.js; resolves with what it reports. Exit 1 (findings) is normal here. */
export function measureCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', peak, bin, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const m = stderr.match(/^peak-usage (\{.*\})$/m);
      if ((code === 0 || code === 1) && m) resolve(JSON.parse(m[1]));
      else reject(new Error(`shootdown ${args[0]} exited ${code}:\n${stderr.slice(0, 4096)}`));
    });
  });
}

export async function run(report) {
  const { registry } = await loadRegistryLikeCli({ userPlugins: false });
  const { flags, texts } = selectionsOf(registry);
  const scenarios = listScenarios().map((s) => s.path);
  const options = loadOptionsFor(registry);
  const t = process.cpuUsage();
  let runs = 0;
  const loadedScenarios = [];
  for (const path of scenarios) {
    const loaded = await loadScenarioFile(path, options);
    if (!loaded.ok) throw new Error(`${path}: does not load`);
    loadedScenarios.push(loaded.scenario);
    for (const selection of texts) {
      runScenario(loaded.scenario, { registry, selection });
      runs++;
    }
  }
  const u = process.cpuUsage(t);
  report(`whole catalogue, every selection (${runs} runs), CPU`, (u.user + u.system) / 1e6, ' s', { max: 3 });
  // Not a budget: the same runs again in this process, where V8 has already compiled (and recompiled) the
  // code. The difference from the figure above is the JIT's warm-up, which a one-process pass pays once.
  const t2 = process.cpuUsage();
  for (const scenario of loadedScenarios)
    for (const selection of texts) runScenario(scenario, { registry, selection });
  const u2 = process.cpuUsage(t2);
  report('  the same runs again, JIT warm (CPU)', (u2.user + u2.system) / 1e6, ' s');
  let usage;
  try {
    usage = await measureCli(['compare', ...scenarios, ...flags, '--jobs', '1', '--format', 'json']);
  } catch (e) {
    // A crashed compare has no figure; NaN misses the budget, and the benches after this one still run.
    console.error(e instanceof Error ? e.message : String(e));
    usage = { maxRssMiB: Number.NaN };
  }
  report('compare --jobs 1 of it, peak memory', usage.maxRssMiB, ' MiB', { max: 300 });
}
