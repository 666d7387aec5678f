// Runs every bench/*.bench.js in name order. Each exports `async function run(report)`; `report(name,
// value, unit, budget?, baseline?, spread?)` prints one line: the figure, its budget (DESIGN §8) and, when given,
// its fair limit (the same work as a plain typed-array loop, bench/fair-limits.js, measured in the same
// run) with the ratio figure / limit.
// With `--json` it prints only a JSON array of { id, value, unit, limit, min?, max? } (limit: that fair limit, or null
// where a figure has none; min and max where it has a spread), for tools that track the numbers.
//   budget:   { min: n } (rates) or { max: n } (sizes, ratios); a bare number means { min: n }.
//   baseline: { value: n, unit?: string } — the fair limit of the same work.
//   spread:   { min: n, max: n } — for a figure that is the median of several runs, printed beside it.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js'))
  .sort();

const json = process.argv.includes('--json');
const figures = [];
let failed = 0;

function fmt(n) {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(a < 10 ? 2 : 1) + ' ';
}

function report(name, value, unit, budget, baseline, spread) {
  if (json) {
    const id = name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    const figure = { id, value, unit: unit.trim(), limit: baseline === undefined ? null : baseline.value };
    figures.push(spread === undefined ? figure : { ...figure, min: spread.min, max: spread.max });
  }
  let line = `${name.padEnd(44)} ${fmt(value)}${unit}`;
  if (spread !== undefined) line += ` (min ${fmt(spread.min).trim()}, max ${fmt(spread.max).trim()})`;
  if (budget !== undefined) {
    const b = typeof budget === 'number' ? { min: budget } : budget;
    const ok = (b.min === undefined || value >= b.min) && (b.max === undefined || value <= b.max);
    if (!ok) failed++;
    line += `   budget ${b.min !== undefined ? '≥ ' + fmt(b.min) : '≤ ' + fmt(b.max)}${unit} ${ok ? 'ok' : 'MISSED'}`;
  }
  if (baseline !== undefined) {
    line += `   fair limit: ${fmt(baseline.value)}${baseline.unit ?? unit} (ratio ${(value / baseline.value).toFixed(2)})`;
  }
  if (!json) console.log(line);
}

for (const f of files) {
  if (!json) console.log(`# ${f}`);
  const mod = await import(pathToFileURL(join(dir, f)).href);
  if (typeof mod.run !== 'function') {
    if (!json) console.log(`  (no run(report) export — skipped)`);
    continue;
  }
  try {
    await mod.run(report);
  } catch (e) {
    // A bench that throws has missed its budgets, but the benches after it still run and print theirs (a
    // throwing large-leaf bench once hid every MMU figure that comes after it in name order).
    console.error(`${f}: ${e instanceof Error ? e.message : String(e)}`);
    failed++;
  }
}
if (json) console.log(JSON.stringify(figures, null, 2));
if (failed > 0) {
  console.error(`${failed} budget(s) missed`);
  process.exitCode = 1;
}
