// Runs every bench/*.bench.js in name order, each in a process of its own (see below). Each exports
// `async function run(report)`; `report(name, value, unit, budget?, baseline?, spread?)` prints one line: the
// figure, its budget (DESIGN §8) and, when given, its fair limit (the same work as a plain typed-array loop,
// bench/fair-limits.js, measured in the same run) with the ratio figure / limit.
// With `--json` it prints only a JSON array of { id, value, unit, limit, min?, max? } (limit: that fair limit, or null
// where a figure has none; min and max where it has a spread), for tools that track the numbers.
//   budget:   { min: n } (rates) or { max: n } (sizes, ratios); a bare number means { min: n }.
//   baseline: { value: n, unit?: string } — the fair limit of the same work.
//   spread:   { min: n, max: n } — for a figure that is the median of several runs, printed beside it.
// One process per bench file: run in one process, a figure depended on the benches before it — the populate
// bench, last in name order, ran on code the JIT had optimised for the earlier benches' machines and with
// their garbage to collect, 0.41 s there against 0.33–0.35 s in a process of its own, which is where a user
// runs it. Each file now starts from a fresh heap and JIT, whatever ran before it.
// A file whose figures are those of a cold process (the catalogue's first pass, populate's one loop) exports
// `processes = n`: it is run in n fresh processes, and each figure is their median, with min and max
// beside it — one cold run on this shared machine read populate at 0.25–0.31 s from one call to the next.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
// Words on the command line (not flags) choose the files whose names contain one of them:
// `npm run bench -- populate`.
const only = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--child');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js') && (only.length === 0 || only.some((w) => f.includes(w))))
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

/** Numbers that JSON cannot carry (a crashed measurement's NaN) travel as their text. */
const encodeNumber = (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
const decodeNumber = (_k, v) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v);
const FIGURE = 'bench-figure ';

const child = process.argv.indexOf('--child');
if (child >= 0) {
  // Child: run one bench file; every report is a line on stdout for the parent to print.
  const f = process.argv[child + 1];
  const mod = await import(pathToFileURL(join(dir, f)).href);
  if (typeof mod.run !== 'function') {
    console.log(`${FIGURE}${JSON.stringify({ skipped: true })}`);
  } else {
    try {
      await mod.run((...args) => console.log(FIGURE + JSON.stringify(args, encodeNumber)));
    } catch (e) {
      console.error(`${f}: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    }
  }
} else {
  for (const f of files) {
    if (!json) console.log(`# ${f}`);
    const { processes } = await import(pathToFileURL(join(dir, f)).href);
    // A bench that throws or crashes has missed its budgets, but the benches after it still run and print
    // theirs (a throwing large-leaf bench once hid every MMU figure that comes after it in name order).
    const code = processes > 1 ? await runFileMedian(f, processes) : await runFile(f, report);
    if (code !== 0) {
      console.error(`${f}: exited ${code}`);
      failed++;
    }
  }
  if (json) console.log(JSON.stringify(figures, null, 2));
  if (failed > 0) {
    console.error(`${failed} budget(s) missed`);
    process.exitCode = 1;
  }
}

/**
 * Runs `f` in `n` child processes one after another and reports each figure once: the median of its n values
 * (and of its fair limits), with their min and max as its spread. Resolves with the first non-zero exit code.
 */
async function runFileMedian(f, n) {
  const runs = new Map(); // figure name → the report arguments of each process
  let code = 0;
  for (let k = 0; k < n; k++) {
    const c = await runFile(f, (...args) => {
      if (!runs.has(args[0])) runs.set(args[0], []);
      runs.get(args[0]).push(args);
    });
    if (code === 0) code = c;
  }
  const median = (xs) => xs.sort((a, b) => a - b)[(xs.length - 1) >> 1];
  for (const [name, all] of runs) {
    const [, , unit, budget, baseline] = all[0];
    const values = all.map((a) => a[1]);
    const limit =
      baseline === undefined ? undefined : { ...baseline, value: median(all.map((a) => a[4].value)) };
    report(name, median([...values]), unit, budget, limit, {
      min: Math.min(...values),
      max: Math.max(...values),
    });
  }
  return code;
}

/** Runs one bench file in a child process, its figures to `onFigure` as they come; resolves with its exit code. */
function runFile(f, onFigure) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', f], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: p.stdout }).on('line', (line) => {
      if (!line.startsWith(FIGURE)) {
        if (!json) console.log(line);
        return;
      }
      const args = JSON.parse(line.slice(FIGURE.length), decodeNumber);
      // An argument left out (undefined) crossed as null.
      if (Array.isArray(args)) onFigure(...args.map((a) => (a === null ? undefined : a)));
      else if (!json) console.log(`  (no run(report) export — skipped)`);
    });
    p.on('error', reject);
    p.on('close', (code, signal) => resolve(code ?? signal));
  });
}
