/// <reference lib="dom" />
// The HTML report in a real browser (issue 15 item 3): headless Chromium, driven by playwright-core,
// loads the page the CLI wrote for two scenarios and checks what a reader sees — no console errors, the
// navigation, each scenario's sections, labelled charts with a legend, a per-CPU timeline whose stale
// window on CPU 1 ends where a flush on CPU 1 ends, wide tables that scroll with their first column in
// view — and keeps a screenshot as an artefact. Chromium is Debian's package (.ci/run installs it);
// CHROMIUM_PATH points elsewhere.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, repoRoot, runCli, type CliHome } from './helpers/cli.js';
import { fixturesDir } from './helpers/fixtures.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const MUNMAP = join(fixturesDir, 'scenarios', 'munmap-two-cpus.yaml');
/** Where the screenshot is kept (gitignored), for a person to look at after the run. */
const ARTEFACTS = join(repoRoot, 'test', 'artifacts');

let home: CliHome;
let browser: Browser;
let report: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the HTML report test needs Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`,
    );
  }
  home = makeHome();
  report = join(home.dir, 'report.html');
  const r = await runCli(
    [
      'compare', MUNMAP, 'vfree-exec-reuse',
      '--policy', 'linux-x86', '--policy', 'linux-x86:vfree=module-free-pre52',
      '--format', 'html', '--out', report,
    ],
    home,
  ); // prettier-ignore
  // vfree-exec-reuse under module-free-pre52 breaks claimed invariants: exit 1 is the finding.
  expect(r.code, describeRun(r)).toBe(1);
  // The flags of the environment probe that runs Chromium here: no sandbox as root, no network chatter.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  home?.cleanup();
});

describe('the HTML report in Chromium', () => {
  it('loads without console errors, shows every section, and keeps a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    const requests: string[] = [];
    page.on('request', (q) => requests.push(q.url()));
    await page.goto(pathToFileURL(report).href);
    expect(errors).toEqual([]);
    // Self-contained: the page itself is the only thing loaded.
    expect(requests).toEqual([pathToFileURL(report).href]);
    // Navigation between the two scenarios.
    const links = page.locator('nav a');
    expect(await links.allTextContents()).toEqual(['munmap-two-cpus', 'vfree-exec-reuse']);
    await links.nth(1).click();
    expect(page.url()).toMatch(/#scenario-2$/);
    expect(await page.locator('#scenario-2 h2').isVisible()).toBe(true);
    for (const s of ['#scenario-1', '#scenario-2']) {
      const headings = await page.locator(`${s} h3`).allTextContents();
      for (const h of ['Steps', 'Costs', 'Timelines']) expect(headings).toContain(h);
    }
    mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTEFACTS, 'html-report.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('labels its charts: title, axis with unit, a legend entry per selection', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(report).href);
    const chart = page.locator('#scenario-1 svg.chart').first();
    expect(await chart.isVisible()).toBe(true);
    const text = (await chart.locator('text').allTextContents()).join('|');
    expect(text).toContain('Latency and work');
    expect(text).toContain('INVLPG units');
    expect(text).toContain('linux-x86:vfree=module-free-pre52');
    // Two selections, two distinct bar colours.
    const fills = await chart
      .locator('rect[height="12"]')
      .evaluateAll((rs) => rs.map((r) => r.getAttribute('fill')));
    expect(new Set(fills).size).toBe(2);
    await page.close();
  }, 120_000);

  it('draws CPU 1’s stale window in the timeline, ended by a flush on CPU 1', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(report).href);
    const tl = page.locator('#scenario-1 svg.timeline').first();
    await tl.scrollIntoViewIfNeeded();
    expect(await tl.isVisible()).toBe(true);
    // Titles carry what each mark is (the tooltip a reader hovers).
    const marks = await tl.locator('rect.stale, rect.flush').evaluateAll((rs) =>
      rs.map((r) => ({
        kind: r.getAttribute('class'),
        title: r.querySelector('title')?.textContent ?? '',
        right: Number(r.getAttribute('x')) + Number(r.getAttribute('width')),
      })),
    );
    const stale = marks.find((m) => m.kind === 'stale' && m.title.startsWith('stale on CPU 1:'));
    expect(stale, 'a stale window on CPU 1').toBeDefined();
    const ended = marks.find(
      (m) => m.kind === 'flush' && m.title.includes('on CPU 1') && Math.abs(m.right - stale!.right) < 0.2,
    );
    expect(ended, 'a flush on CPU 1 ends where the window ends').toBeDefined();
    await page.close();
  }, 120_000);

  it('scrolls a wide table sideways with its first column kept in view', async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 800 } });
    await page.goto(pathToFileURL(report).href);
    const box = page.locator('#scenario-2 .scroll').first();
    const first = box.locator('tbody tr td').first();
    const before = await first.boundingBox();
    const scrolled = await box.evaluate((el) => {
      el.scrollLeft = 400;
      return el.scrollLeft;
    });
    expect(scrolled).toBeGreaterThan(0);
    const after = await first.boundingBox();
    expect(after!.x).toBeCloseTo(before!.x, 0);
    await page.close();
  }, 120_000);
});
