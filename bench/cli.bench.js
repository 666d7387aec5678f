// DESIGN §8, the CLI: `shootdown --version` ≤ 0.15 s of CPU and a one-scenario `run` ≤ 0.3 s of CPU,
// start-up included (each the median of three child processes, measured by the child itself: node's
// bootstrap, module loading, plug-in loading, the run and the rendering); and litmus-sized scenarios
// in one process ≥ 1,000 per second (herd7 takes 20–100 ms per aarch64-VMSA test): every catalogue
// scenario at its own size under the default selection of linux-x86, loaded and run again and again.
import { listScenarios } from '@shootdown/catalog';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import { loadScenarioFile, runScenario } from '@shootdown/engine';
import { measureCli } from './catalog-compare.bench.js';

const ONE = 'vfree-exec-reuse';

async function medianCpu(args) {
  const s = [];
  for (let k = 0; k < 3; k++) s.push((await measureCli(args)).cpuSeconds);
  return s.sort((a, b) => a - b)[1];
}

export async function run(report) {
  report('shootdown --version, CPU', await medianCpu(['--version']), ' s', { max: 0.15 });
  report(`shootdown run ${ONE}, CPU`, await medianCpu(['run', ONE, '--policy', 'linux-x86']), ' s', {
    max: 0.3,
  });
  const { registry } = await loadRegistryLikeCli({ userPlugins: false });
  const options = loadOptionsFor(registry);
  const scenarios = [];
  for (const s of listScenarios()) {
    const loaded = await loadScenarioFile(s.path, options);
    if (loaded.ok) scenarios.push(loaded.scenario);
  }
  const once = () => {
    for (const sc of scenarios) runScenario(sc, { registry, selection: 'linux-x86' });
  };
  once(); // warm up
  let rounds = 0;
  const t = process.cpuUsage();
  let seconds = 0;
  while (seconds < 1) {
    once();
    rounds++;
    const u = process.cpuUsage(t);
    seconds = (u.user + u.system) / 1e6;
  }
  report('litmus-sized scenarios in one process', (rounds * scenarios.length) / seconds, '/s', {
    min: 1000,
  });
}
