// DESIGN §8, the CLI: `shootdown --version` ≤ 0.15 s of CPU and a one-scenario `run` ≤ 0.3 s of CPU,
// start-up included (user + system CPU of the whole process, every thread — a run worker too, if one
// starts — from node's bootstrap to exit, measured by the child itself; three children, the median against
// the budget, min and max beside it: the spread says how noisy the machine was); and litmus-sized
// scenarios in one process ≥ 1,000 per second (herd7 takes 20–100 ms per aarch64-VMSA test): every
// catalogue scenario at its own size under the default selection of linux-x86, loaded and run again and
// again.
import { listScenarios } from '@shootdown/catalog';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import { loadScenarioFile, runScenario } from '@shootdown/engine';
import { measureCli } from './catalog-compare.bench.js';

const ONE = 'vfree-exec-reuse';

/** CPU seconds of three runs of the CLI: { min, median, max }. */
async function cpuOfThree(args) {
  const s = [];
  for (let k = 0; k < 3; k++) s.push((await measureCli(args)).cpuSeconds);
  s.sort((a, b) => a - b);
  return { min: s[0], median: s[1], max: s[2] };
}

export async function run(report) {
  const version = await cpuOfThree(['--version']);
  report('shootdown --version, CPU', version.median, ' s', { max: 0.15 }, undefined, version);
  const one = await cpuOfThree(['run', ONE, '--policy', 'linux-x86']);
  report(`shootdown run ${ONE}, CPU`, one.median, ' s', { max: 0.3 }, undefined, one);
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
