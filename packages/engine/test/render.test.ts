// Golden outputs of every renderer for one fixed comparison (hand-built results in results-fixture.ts).
// The files under golden/ were reviewed line by line; a change here is a change users see, so update
// them by hand, never by regenerating.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../src/compare/index.js';
import {
  getRenderer,
  registerRenderer,
  renderComparison,
  rendererFormats,
  type Renderer,
} from '../src/render/index.js';
import { validateComparison } from '../src/result/index.js';
import { results } from './results-fixture.js';

const golden = (name: string): string => readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8');
const comparison = compareResults(results);

describe('renderers', () => {
  it.each([
    ['table', 'vfree-exec-reuse.table.txt'],
    ['text', 'vfree-exec-reuse.text.txt'],
    ['markdown', 'vfree-exec-reuse.md'],
    ['json', 'vfree-exec-reuse.json'],
    ['ktap', 'vfree-exec-reuse.ktap'],
    ['html', 'vfree-exec-reuse.html'],
  ])('%s matches its golden file', (format, file) => {
    expect(renderComparison(comparison, format)).toBe(golden(file));
  });

  it('registers the built-in formats of DESIGN §6 under their --format names', () => {
    expect(rendererFormats()).toEqual(
      expect.arrayContaining(['table', 'text', 'markdown', 'json', 'ktap', 'html']),
    );
  });

  it('prints no colour codes unless asked, and some when asked', () => {
    // eslint-disable-next-line no-control-regex
    const ansi = /\u001b\[/;
    expect(renderComparison(comparison, 'table')).not.toMatch(ansi);
    expect(renderComparison(comparison, 'text')).not.toMatch(ansi);
    expect(renderComparison(comparison, 'table', { color: true })).toMatch(ansi);
  });

  it('keeps the mailing-list text to ASCII', () => {
    // eslint-disable-next-line no-control-regex
    expect(renderComparison(comparison, 'text')).toMatch(/^[\u0000-\u007f]*$/);
  });

  it('emits JSON that the comparison schema accepts', () => {
    const parsed = JSON.parse(renderComparison(comparison, 'json')) as unknown;
    expect(validateComparison(parsed)).toEqual([]);
  });

  it('emits a KTAP v1 plan that matches the number of result lines at each level', () => {
    // Documentation/dev-tools/ktap.rst: "1..N" then N result lines; subtests indented two spaces
    const lines = renderComparison(comparison, 'ktap').trimEnd().split('\n');
    expect(lines[0]).toBe('KTAP version 1');
    expect(lines[1]).toBe(`1..${results.length}`);
    const top = lines.filter((l) => /^(not )?ok \d+ /.test(l));
    expect(top.map((l) => /^(?:not )?ok (\d+)/.exec(l)![1])).toEqual(['1', '2', '3']);
    const sub = lines.filter((l) => /^ {2}(not )?ok \d+ /.test(l));
    expect(sub).toHaveLength(results.length * (comparison.steps.length + 1));
    // a description may not contain '#': only the directive separator may
    for (const l of [...top, ...sub]) expect(l.split(' # ')[0]).not.toContain('#');
    // the selection whose claimed invariants broke fails, the others pass (ktap.rst "Nested tests")
    expect(top).toEqual([
      'ok 1 vfree-exec-reuse:linux-x86',
      'not ok 2 vfree-exec-reuse:linux-x86:vfree=module-free-pre52',
      'ok 3 vfree-exec-reuse:freebsd-amd64',
    ]);
  });

  it('keeps the HTML report self-contained: no script, no external resource', () => {
    const html = renderComparison(comparison, 'html');
    expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    // links only within the page (the navigation)
    expect(html.match(/href="[^"]*"/g)).toEqual(['href="#scenario-1"']);
    // one chart for both clocks, one for counters (DESIGN §5 "a self-contained HTML report with charts");
    // no timeline without trace recordings
    expect(html.match(/<svg /g)).toHaveLength(2);
    // a selection name is escaped, never interpreted as markup
    const evil = compareResults([{ ...results[0]!, selection: 'x:<b>' }]);
    expect(renderComparison(evil, 'html')).toContain('<code>x:&lt;b&gt;</code>');
  });

  it('lets a plug-in add a format, and refuses to shadow one silently', () => {
    const csv: Renderer = {
      format: 'csv-test',
      description: 'test format',
      extension: 'csv',
      render: (c) => c.columns.map((x) => x.selection).join(',') + '\n',
    };
    registerRenderer(csv);
    expect(getRenderer('csv-test')).toBe(csv);
    expect(renderComparison(comparison, 'csv-test')).toBe(
      'linux-x86,linux-x86:vfree=module-free-pre52,freebsd-amd64\n',
    );
    expect(() => registerRenderer(csv)).toThrow(/already registered/);
    expect(() => renderComparison(comparison, 'nope')).toThrow(/unknown format "nope"; formats: table, text/);
  });

  it('renders iteration paths without a # in KTAP descriptions', () => {
    const r = {
      ...results[0],
      steps: [
        {
          path: '3#1.0',
          op: 'kfree',
          line: 5,
          cpu: 0,
          outcome: 'ok' as const,
          cycles: 0,
          latency: 0,
          counters: {},
        },
      ],
    };
    const out = renderComparison(compareResults([r]), 'ktap');
    expect(out).toContain('  ok 1 step 3[1].0 kfree # ok\n');
  });
});
