// DESIGN §8: every catalogue scenario linear in its size parameters up to 1 M pages (growth exponent ≤ 1.1
// per doubling). Three size-driven scenarios are run at doubling sizes on a machine just large enough:
// vfree-exec-reuse (catalogue, `pages`), populate (catalogue-style page-alloc of N pages) and munmap of an
// N-page mapping. The exponent of one doubling is log2(t(2N) / t(N)); the figure is the largest over the
// sizes from 64 K pages up (smaller runs are too short to time), each time the least of three runs. Never
// fewer: the first run on a machine of a new size also pays for memory the process has not touched before
// (the OS hands out fresh pages; ~0.05 s at 8 GiB), and the second still collects the first one's garbage
// in a heap that has not yet grown to the new size — populate, per page, three runs at 256 K, 512 K and 1 M
// pages: 488 / 491 / 370, 444 / 408 / 372, 464 / 445 / 370 ns. The best of two at the large sizes (as this
// bench once took, to save time) read 1.14–1.24 for that flat line.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { loadRegistryLikeCli, loadOptionsFor } from '@shootdown/cli';
import { listScenarios } from '@shootdown/catalog';
import { loadScenarioText, runScenario } from '@shootdown/engine';

const MAX = Number(process.env.GROWTH_MAX_PAGES ?? 1 << 20);
const MIN_TIMED = Number(process.env.GROWTH_MIN_PAGES ?? 1 << 16);

function cpuSeconds(fn) {
  const t = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
}

/** Smallest power-of-two memory (in MiB) holding `pages` pages twice over, at least 64 MiB. */
function memoryFor(pages) {
  let mib = 64;
  while (mib * 256 < 2 * pages + 4096) mib *= 2;
  return `${mib}MiB`;
}

const SCENARIOS = {
  'vfree-exec-reuse': () =>
    readFileSync(listScenarios().find((s) => s.name === 'vfree-exec-reuse').path, 'utf8'),
  populate: () =>
    [
      'name: populate',
      'params: { pages: 4 }',
      'machine: { cpus: 4, memory: 64MiB, tlb: adversarial }',
      'steps:',
      '  - { op: page-alloc, id: buf, pages: $pages }',
      '  - { op: page-free, region: buf }',
    ].join('\n'),
  munmap: () =>
    [
      'name: munmap',
      'params: { pages: 4 }',
      'machine: { cpus: 4, memory: 64MiB, tlb: adversarial }',
      'steps:',
      '  - { op: process, id: p }',
      '  - { op: run, cpu: 0, process: p }',
      '  - { op: mmap, cpu: 0, id: buf, pages: $pages, prot: rw, flags: [populate] }',
      '  - { op: munmap, cpu: 0, region: buf }',
    ].join('\n'),
};

export async function run(report) {
  const { registry } = await loadRegistryLikeCli({ userPlugins: false });
  const options = loadOptionsFor(registry);
  for (const [name, text] of Object.entries(SCENARIOS)) {
    const base = text();
    const at = (pages) => {
      const yaml = base
        .replace(/memory: \d+MiB/, `memory: ${memoryFor(pages)}`)
        .replace(/params: \{ pages: \d+ \}/, `params: { pages: ${pages} }`);
      const loaded = loadScenarioText(yaml, `${name}.yaml`, options);
      if (!loaded.ok) throw new Error(`${name}: ${JSON.stringify(loaded.errors[0])}`);
      let best = Infinity;
      for (let k = 0; k < 3; k++) {
        let result;
        best = Math.min(
          best,
          cpuSeconds(() => (result = runScenario(loaded.scenario, { registry, selection: 'linux-x86' }))),
        );
        // the size must really be exercised: every step done (an expectation written for the catalogue's
        // default size, such as one kflush, may legitimately differ at another size)
        const bad = result.steps.find(
          (s) => s.outcome === 'unsupported' || s.outcome === 'skipped' || s.outcome.startsWith('error:'),
        );
        if (bad !== undefined) throw new Error(`${name} at ${pages} pages: step ${bad.path} ${bad.outcome}`);
      }
      return best;
    };
    let worst = 0;
    let prev = at(MIN_TIMED);
    let last = prev;
    for (let pages = MIN_TIMED * 2; pages <= MAX; pages *= 2) {
      last = at(pages);
      worst = Math.max(worst, Math.log2(last / prev));
      prev = last;
    }
    report(`${name}: growth exponent per doubling`, worst, '', { max: 1.1 });
    report(`${name}: ${MAX} pages`, last, ' s');
  }
}
