// DESIGN §8: a key range over the whole user address space costs in proportion to resident pages, not to
// the range. The catalogue's pkey-lifetime/key-whole-uva (AMD64_SET_PKRU over 0x1000..0x7ffffffff000, the
// x86_pkru(3) range, with a few resident pages) under freebsd-amd64, run by the engine with every invariant
// judged — pmap_pkru_update_range (sys/amd64/amd64/pmap.c) and the pkey-kept judge visit only the
// page-table pages that exist. Time is this process's CPU time for the runs alone.
import { readFileSync } from 'node:fs';
import { listScenarios } from '@shootdown/catalog';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import { loadScenarioText, runScenario } from '@shootdown/engine';

const RUNS = 20;

export async function run(report) {
  const { registry } = await loadRegistryLikeCli({ userPlugins: false });
  const ref = listScenarios().find((s) => s.name === 'key-whole-uva');
  if (ref === undefined) throw new Error('catalogue scenario key-whole-uva not found');
  const loaded = loadScenarioText(readFileSync(ref.path, 'utf8'), ref.path, loadOptionsFor(registry));
  if (!loaded.ok) throw new Error(`key-whole-uva does not load`);
  const t = process.cpuUsage();
  for (let i = 0; i < RUNS; i++) runScenario(loaded.scenario, { registry, selection: 'freebsd-amd64' });
  const u = process.cpuUsage(t);
  report('key over the whole UVA, freebsd-amd64 (per run)', (u.user + u.system) / 1e6 / RUNS, ' s', {
    max: 0.3,
  });
}
