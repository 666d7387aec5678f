// DESIGN §8, the CLI: `shootdown --version` ≤ 0.15 s of CPU and a one-scenario `run` ≤ 0.3 s of CPU,
// start-up included, for a scenario of neutral ops and for one using a plug-in's op, whose schema fragment is
// validated too (user + system CPU of the whole process, every thread — a run worker too, if one
// starts — from node's bootstrap to exit, measured by the child itself; three children, the median against
// the budget, min and max beside it: the spread says how noisy the machine was); and litmus-sized
// scenarios in one process ≥ 1,000 per second (herd7 takes 20–100 ms per aarch64-VMSA test). A litmus-sized
// scenario is one execution of a herd7 AArch64 VMSA litmus test: the herd tests of test/fixtures are judged
// as `shootdown import herd` judges them (every interleaving and entry choice run on the simulated MMU),
// again and again; the figure is executions per second, with whole tests per second beside it (herd7's
// unit). Also printed, without a budget: every catalogue scenario at its own size (machines of up to
// 3 GiB, 48 CPUs) under linux-x86's default selection, which is what a catalogue sweep pays per run.
import { readdirSync, readFileSync } from 'node:fs';
import { listScenarios } from '@shootdown/catalog';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import { herd, loadScenarioFile, runScenario } from '@shootdown/engine';
import { measureCli } from './catalog-compare.bench.js';

const ONE = 'vfree-exec-reuse';
/** A one-scenario `run` whose scenario uses a plug-in's op: its schema fragment is validated too. */
const ONE_WITH_OP = { name: 'sysarch-errors', policy: 'freebsd-amd64' };

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
  const withOp = await cpuOfThree(['run', ONE_WITH_OP.name, '--policy', ONE_WITH_OP.policy]);
  report(
    `shootdown run ${ONE_WITH_OP.name} (a plug-in op), CPU`,
    withOp.median,
    ' s',
    { max: 0.3 },
    undefined,
    withOp,
  );
  const { registry } = await loadRegistryLikeCli({ userPlugins: false });
  const options = loadOptionsFor(registry);
  const scenarios = [];
  for (const s of listScenarios()) {
    const loaded = await loadScenarioFile(s.path, options);
    if (loaded.ok) scenarios.push(loaded.scenario);
  }
  const { rounds, seconds } = timeRounds(() => {
    for (const sc of scenarios) runScenario(sc, { registry, selection: 'linux-x86' });
  });
  report(
    'catalogue scenarios at their own size (linux-x86), one process',
    (rounds * scenarios.length) / seconds,
    '/s',
  );
  litmus(report);
}

/** CPU seconds of at least one second's worth of rounds of `round`: { rounds, seconds }. */
function timeRounds(round) {
  round(); // warm up
  let rounds = 0;
  let seconds = 0;
  const t = process.cpuUsage();
  while (seconds < 1) {
    round();
    rounds++;
    const u = process.cpuUsage(t);
    seconds = (u.user + u.system) / 1e6;
  }
  return { rounds, seconds };
}

function litmus(report) {
  const dir = new URL('../test/fixtures/herd/', import.meta.url);
  const tests = readdirSync(dir)
    .filter((f) => f.endsWith('.litmus') && !f.startsWith('bad-'))
    .sort()
    .map((f) => herd.parseLitmus(readFileSync(new URL(f, dir), 'utf8'), f))
    .filter((t) => herd.judgeLitmus(t).status === 'judged');
  let executions = 0;
  const { rounds, seconds } = timeRounds(() => {
    executions = 0;
    for (const t of tests) executions += herd.judgeLitmus(t).executions;
  });
  report(
    `herd litmus tests judged, every execution (${tests.length} tests), one process`,
    (rounds * tests.length) / seconds,
    '/s',
  );
  report(
    `litmus-sized scenarios (herd executions, ${executions} a round), one process`,
    (rounds * executions) / seconds,
    '/s',
    {
      min: 1000,
    },
  );
}
