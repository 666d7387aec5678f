// Parameters (DESIGN §4 "Parameters and repetition"): typed defaults, `$name` substitution, and `--set`
// overrides parsed as JSON when possible and type-checked against the default.
import { describe, expect, it } from 'vitest';
import {
  formatScenarioError,
  loadScenarioText,
  type KallocStep,
  type MmapStep,
} from '../src/scenario/index.js';

const text = `name: params
params: { pages: 4, prot: rw, cpus: [1, 2], verbose: false, ratio: 0.5 }
machine: { cpus: 4 }
steps:
  - { op: process, id: p }
  - { op: run, process: p }
  - { op: mmap, id: buf, pages: $pages, prot: $prot }
  - { op: kalloc, id: mod, pages: $pages }
`;

function load(set?: Record<string, unknown> | string[]) {
  return loadScenarioText(text, 'params.yaml', set === undefined ? {} : { set });
}

describe('params', () => {
  it('substitutes defaults where $name is written, keeping their type', () => {
    const r = load();
    if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
    const mmap = r.scenario.steps[2] as MmapStep;
    expect(mmap.pages).toBe(4);
    expect(mmap.prot).toBe('rw');
    expect(r.scenario.params).toEqual({ pages: 4, prot: 'rw', cpus: [1, 2], verbose: false, ratio: 0.5 });
  });

  it('applies --set overrides given as parsed values (the CLI form)', () => {
    const r = load({ pages: 64, prot: 'rx' });
    if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
    expect((r.scenario.steps[2] as MmapStep).pages).toBe(64);
    expect((r.scenario.steps[2] as MmapStep).prot).toBe('rx');
    expect((r.scenario.steps[3] as KallocStep).pages).toBe(64);
    expect(r.scenario.params['pages']).toBe(64);
  });

  it('parses raw name=value overrides as JSON when they parse, else as strings', () => {
    const r = load(['pages=8', 'prot=r', 'cpus=[3, 0]', 'verbose=true', 'ratio=2']);
    if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
    expect(r.scenario.params).toEqual({ pages: 8, prot: 'r', cpus: [3, 0], verbose: true, ratio: 2 });
  });

  it('rejects an override of another type than the default, an unknown name, and a malformed one', () => {
    const r = load(['pages=lots', 'pgaes=2', 'cpus=[1, "x"]', 'ratio=', 'nonsense']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(formatScenarioError)).toEqual([
      '--set cpus=[1, "x"]: param "cpus" is list of integer, got list of mixed values [1,"x"] (at /params/cpus)',
      '--set nonsense: expected name=value',
      '--set pages=lots: param "pages" is integer, got string "lots" (at /params/pages)',
      '--set pgaes=2: unknown param "pgaes"; did you mean "pages"? (at /params/pgaes)',
      '--set ratio=: param "ratio" is number, got string "" (at /params/ratio)',
    ]);
  });

  it('rejects an integer param overridden by a fraction, and accepts an integer for a number param', () => {
    const bad = load({ pages: 1.5 });
    expect(bad.ok).toBe(false);
    const ok = load({ ratio: 3 });
    expect(ok.ok).toBe(true);
  });

  it('reports a --set on a scenario without params with that fact', () => {
    const r = loadScenarioText('name: x\nsteps:\n  - { op: process, id: p }\n', 'x.yaml', { set: ['n=1'] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatScenarioError(r.errors[0]!)).toBe(
      '--set n=1: unknown param "n" (the scenario declares no params) (at /params/n)',
    );
  });

  it('reports a name set twice', () => {
    const r = load(['pages=1', 'pages=2']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual(['param "pages" is set twice']);
  });

  it('leaves strings that merely contain a $ alone', () => {
    const r = loadScenarioText(
      'name: x\nsteps:\n  - { op: check, query: within, region: { frame-of: b }, window: a$b, expect: true }\n  - { op: page-alloc, id: b, pages: 1 }\n',
      'x.yaml',
    );
    // the frame-of names b before it is defined: the only error; a$b was not taken for a reference
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual(['unknown region "b"']);
  });
});
