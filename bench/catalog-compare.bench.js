// DESIGN §8: `compare` of the whole catalogue under every built-in selection in under 10 s, on all cores.
// "Every built-in selection" is every variant of every mechanism of every policy the CLI's own plug-ins
// provide (`--vary policy:mechanism` for each, a policy without mechanisms as itself); "the whole
// catalogue" is every scenario file under packages/catalog/topics. The figure is the wall time of one
// `shootdown compare` process, as a user waits for it: start-up, plug-in loading, scenario loading, the
// runs on every core (the CLI's default --jobs), comparison and rendering.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listScenarios } from '@shootdown/catalog';
import { loadRegistryLikeCli } from '@shootdown/cli';

const bin = fileURLToPath(new URL('../packages/cli/bin/run.js', import.meta.url));

/** The compare command line for the whole catalogue under every built-in selection. */
async function compareArgs() {
  // The built-in plug-ins only: one the developer installed for themselves must not change the figure.
  const { registry } = await loadRegistryLikeCli({ userPlugins: false });
  const selections = [];
  for (const policy of registry.policies()) {
    const mechanisms = Object.keys(policy.mechanisms);
    if (mechanisms.length === 0) selections.push('--policy', policy.name);
    for (const m of mechanisms) selections.push('--vary', `${policy.name}:${m}`);
  }
  const scenarios = listScenarios().map((s) => s.path);
  return { args: ['compare', ...scenarios, ...selections], scenarios: scenarios.length };
}

/** Runs the CLI; resolves with its wall time in seconds. Exit 1 (findings) is a normal outcome here. */
function timeCli(args) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 4096) stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - start) / 1e3;
      if (code === 0 || code === 1) resolve(seconds);
      else reject(new Error(`shootdown compare exited ${code}:\n${stderr}`));
    });
  });
}

export async function run(report) {
  const { args } = await compareArgs();
  let seconds;
  try {
    seconds = await timeCli(args);
  } catch (e) {
    // A crashed compare has no figure; NaN misses the budget, and the benches after this one still run.
    console.error(e instanceof Error ? e.message : String(e));
    seconds = Number.NaN;
  }
  report('compare: whole catalogue, every selection', seconds, 's', { max: 10 });
}
