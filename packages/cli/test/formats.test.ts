import { PolicyRegistry } from '@shootdown/core';
import { compareResults, loadScenarioText, runScenario, type Comparison } from '@shootdown/engine';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { checkFormat, renderComparisons } from '../src/formats.js';

/**
 * A real one-column comparison: a hardware-level scenario under `raw-mmu:x86_64`, one read of a mapped
 * page. Expecting `ok` holds; expecting `fault:not-present` cannot (the page is mapped), so that run fails.
 */
function comparison(scenario: string, failedExpectations: number): Comparison {
  const expectText = failedExpectations > 0 ? 'fault:not-present' : 'ok';
  const text = [
    `name: ${scenario}`,
    'machine: { arch: x86_64, cpus: 1, memory: 8MiB }',
    'hw:',
    '  frames: { f1: { use: data } }',
    '  spaces:',
    '    user: { asid: 1, mappings: [{ va: 0x400000, frame: f1, prot: rw, user: true }] }',
    'steps:',
    '  - { op: set-root, cpu: 0, space: user }',
    `  - { op: access, cpu: 0, space: user, va: 0x400000, kind: read, expect: ${expectText} }`,
    '',
  ].join('\n');
  const loaded = loadScenarioText(text, `${scenario}.yaml`);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const result = runScenario(loaded.scenario, {
    registry: new PolicyRegistry(),
    selection: 'raw-mmu:x86_64',
  });
  return compareResults([result]);
}

describe('rendering several comparisons', () => {
  it('keeps one comparison exactly as the renderer prints it', () => {
    const one = renderComparisons([comparison('a', 0)], 'json');
    expect(JSON.parse(one)).toMatchObject({ scenario: 'a' });
  });

  it('joins JSON documents into one array', () => {
    const text = renderComparisons([comparison('a', 0), comparison('b', 0)], 'json');
    expect((JSON.parse(text) as { scenario: string }[]).map((c) => c.scenario)).toEqual(['a', 'b']);
  });

  // Documentation/dev-tools/ktap.rst: subtests are nested KTAP documents indented under their parent,
  // and a parent is "not ok" when a subtest failed.
  it('nests KTAP documents, one parent result per scenario', () => {
    const text = renderComparisons([comparison('a', 0), comparison('b', 1)], 'ktap');
    const lines = text.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['KTAP version 1', '1..2']);
    expect(lines).toContain('  KTAP version 1');
    expect(lines).toContain('ok 1 a');
    expect(lines).toContain('not ok 2 b');
    expect(lines.filter((l) => /^(not )?ok /.test(l))).toEqual(['ok 1 a', 'not ok 2 b']);
  });

  it('separates text reports with a blank line', () => {
    const text = renderComparisons([comparison('a', 0), comparison('b', 0)], 'text');
    expect(text).toMatch(/\n\n/);
    expect(text.indexOf('a')).toBeLessThan(text.lastIndexOf('b'));
  });
});

describe('html', () => {
  it('renders several scenarios as one page with navigation, never glued documents', () => {
    expect(renderComparisons([comparison('a', 0)], 'html')).toMatch(/^<!DOCTYPE html>/i);
    const page = renderComparisons([comparison('a', 0), comparison('b', 0)], 'html');
    expect(page.match(/<!DOCTYPE html>/gi)).toHaveLength(1);
    expect(page.match(/<\/html>/g)).toHaveLength(1);
    expect(page.match(/href="#scenario-\d"/g)).toEqual(['href="#scenario-1"', 'href="#scenario-2"']);
    expect(page.match(/<section id="scenario-\d">/g)).toHaveLength(2);
  });
});

describe('--format', () => {
  it('accepts the built-in formats', () => {
    for (const f of ['table', 'text', 'markdown', 'json', 'ktap']) expect(() => checkFormat(f)).not.toThrow();
  });

  it('suggests the closest format for a typo', () => {
    try {
      checkFormat('mardown');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).hints).toContain("did you mean 'markdown'?");
    }
  });
});
