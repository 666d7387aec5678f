// Runs every bench/*.bench.js in name order. Each exports `async function run(report)`; `report(name,
// value, unit, budget?, baseline?)` prints one line: the figure, its budget (DESIGN §8) and, when given,
// the raw speed of the same loop over plain typed arrays measured in the same run, with the ratio.
//   budget:   { min: n } (rates) or { max: n } (sizes, ratios); a bare number means { min: n }.
//   baseline: { value: n, unit?: string } — the plain-typed-array speed of the same loop.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js'))
  .sort();

let failed = 0;

function fmt(n) {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(a < 10 ? 2 : 1) + ' ';
}

function report(name, value, unit, budget, baseline) {
  let line = `${name.padEnd(44)} ${fmt(value)}${unit}`;
  if (budget !== undefined) {
    const b = typeof budget === 'number' ? { min: budget } : budget;
    const ok = (b.min === undefined || value >= b.min) && (b.max === undefined || value <= b.max);
    if (!ok) failed++;
    line += `   budget ${b.min !== undefined ? '≥ ' + fmt(b.min) : '≤ ' + fmt(b.max)}${unit} ${ok ? 'ok' : 'MISSED'}`;
  }
  if (baseline !== undefined) {
    line += `   plain typed arrays: ${fmt(baseline.value)}${baseline.unit ?? unit} (×${(baseline.value / value).toFixed(1)} faster)`;
  }
  console.log(line);
}

for (const f of files) {
  console.log(`# ${f}`);
  const mod = await import(pathToFileURL(join(dir, f)).href);
  if (typeof mod.run !== 'function') {
    console.log(`  (no run(report) export — skipped)`);
    continue;
  }
  await mod.run(report);
}
if (failed > 0) {
  console.log(`${failed} budget(s) missed`);
  process.exitCode = 1;
}
