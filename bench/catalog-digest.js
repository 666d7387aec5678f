// Byte-identity check for performance work (not a bench: run.js only runs *.bench.js). Runs the whole
// catalogue under every built-in selection in one process, exactly as the catalogue bench does, and prints
// one line per run: the SHA-256 of the run's JSON (`JSON.stringify` of the RunResult), then the scenario
// and the selection; the last line is the digest of all lines. Save the output before a change and diff
// it after: any line that differs names the run whose result changed.
//   node bench/catalog-digest.js > before.txt   …change, rebuild…   node bench/catalog-digest.js | diff before.txt -
// With `--dump DIR` it also writes every run's JSON to DIR/<scenario>@<selection>.json, to see how one differs.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listScenarios } from '@shootdown/catalog';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import { loadScenarioFile, runScenario } from '@shootdown/engine';
import { selectionsOf } from './catalog-compare.bench.js';

const at = process.argv.indexOf('--dump');
const dumpDir = at >= 0 ? process.argv[at + 1] : undefined;
if (dumpDir !== undefined) mkdirSync(dumpDir, { recursive: true });

const { registry } = await loadRegistryLikeCli({ userPlugins: false });
const { texts } = selectionsOf(registry);
const options = loadOptionsFor(registry);
const all = createHash('sha256');
for (const { name, path } of listScenarios()) {
  const loaded = await loadScenarioFile(path, options);
  if (!loaded.ok) throw new Error(`${path}: does not load`);
  for (const selection of texts) {
    const json = JSON.stringify(runScenario(loaded.scenario, { registry, selection }));
    const line = `${createHash('sha256').update(json).digest('hex').slice(0, 16)} ${name} ${selection}`;
    all.update(line + '\n');
    process.stdout.write(line + '\n');
    if (dumpDir !== undefined) writeFileSync(join(dumpDir, `${name}@${selection}.json`), json);
  }
}
process.stdout.write(`all ${all.digest('hex')}\n`);
