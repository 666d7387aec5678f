// `repeat` (DESIGN §4): `times: N` or `for: { name: [values] }` with `$name` visible inside; ids defined in
// the body are per iteration (named `<id>#<i>`), paths `<repeat>#<i>.<j>`; a reference means the most
// recent definition; `counters:` on a repeat stays on the repeat (the delta over the whole repeat).
import { describe, expect, it } from 'vitest';
import {
  formatScenarioError,
  loadScenarioText,
  type KallocStep,
  type KfreeStep,
  type RepeatStep,
  type Scenario,
} from '../src/scenario/index.js';

function ok(text: string): Scenario {
  const r = loadScenarioText(text, 'repeat.yaml');
  if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
  return r.scenario;
}

describe('repeat', () => {
  it('expands times: N into N iterations with per-iteration ids and paths', () => {
    const s = ok(`name: r
steps:
  - op: repeat
    times: 3
    counters: { kflush: 3 }
    steps:
      - { op: kalloc, id: m, pages: 1 }
      - { op: kfree, region: m }
  - { op: access, region: m, kind: read }
`);
    const rep = s.steps[0] as RepeatStep;
    expect(rep.iterations).toHaveLength(3);
    expect(rep.bindings).toEqual([{}, {}, {}]);
    expect(rep.counters).toEqual({ kflush: 3 });
    const ids = rep.iterations.map((it) => (it[0] as KallocStep).id);
    expect(ids).toEqual(['m#0', 'm#1', 'm#2']);
    expect(rep.iterations.map((it) => (it[1] as KfreeStep).region)).toEqual(['m#0', 'm#1', 'm#2']);
    expect(rep.iterations.map((it) => it.map((x) => x.path))).toEqual([
      ['0#0.0', '0#0.1'],
      ['0#1.0', '0#1.1'],
      ['0#2.0', '0#2.1'],
    ]);
    // after the repeat, the plain id names the last iteration's region (freeing it is legal to access)
    const access = s.steps[1]!;
    expect(access.op === 'access' && access.target.kind === 'region' && access.target.region).toBe('m#2');
    expect(Object.keys(s.regions)).toEqual(['m#0', 'm#1', 'm#2']);
    // every iteration points back at the same source line
    expect(rep.iterations[2]![0]!.source.line).toBe(7);
  });

  it('binds the loop variable of for: in each iteration, with the scenario params still visible', () => {
    const s = ok(`name: r
params: { flags: [unmapped] }
steps:
  - op: repeat
    for: { n: [1, 8, 64] }
    steps:
      - { op: page-alloc, id: p, pages: $n, flags: $flags }
`);
    const rep = s.steps[0] as RepeatStep;
    expect(rep.bindings).toEqual([{ n: 1 }, { n: 8 }, { n: 64 }]);
    expect(rep.iterations.map((it) => it[0]!.op === 'page-alloc' && it[0].pages)).toEqual([1, 8, 64]);
    expect(rep.iterations.map((it) => it[0]!.op === 'page-alloc' && it[0].flags)).toEqual([
      ['unmapped'],
      ['unmapped'],
      ['unmapped'],
    ]);
    expect(s.regions['p#2']).toEqual({ kind: 'pages', definedBy: '0#2.0', pages: 64 });
  });

  it('takes the list of a for: from a param', () => {
    const r = loadScenarioText(
      'name: r\nparams: { sizes: [2, 4] }\nsteps:\n  - { op: repeat, for: { n: $sizes }, steps: [{ op: kalloc, id: m, pages: $n }] }\n',
      'r.yaml',
      { set: ['sizes=[16]'] },
    );
    if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
    const rep = r.scenario.steps[0] as RepeatStep;
    expect(rep.iterations.map((it) => (it[0] as KallocStep).pages)).toEqual([16]);
  });

  it('nests: inner ids carry both iteration suffixes, outermost first', () => {
    const s = ok(`name: r
steps:
  - op: repeat
    times: 2
    steps:
      - op: repeat
        times: 2
        steps:
          - { op: kalloc, id: m, pages: 1 }
`);
    const outer = s.steps[0] as RepeatStep;
    const ids = outer.iterations.flatMap((it) =>
      (it[0] as RepeatStep).iterations.map((x) => (x[0] as KallocStep).id),
    );
    expect(ids).toEqual(['m#0#0', 'm#0#1', 'm#1#0', 'm#1#1']);
    expect((outer.iterations[1]![0] as RepeatStep).iterations[0]![0]!.path).toBe('0#1.0#0.0');
  });

  it('reports freeing an outer region in every iteration as a double free', () => {
    const r = loadScenarioText(
      'name: r\nsteps:\n  - { op: kalloc, id: m, pages: 1 }\n  - { op: repeat, times: 2, steps: [{ op: kfree, region: m }] }\n',
      'r.yaml',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // DESIGN §4: freeing a region twice is an error; the second iteration frees it again
    expect(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      '4:58 region "m" is already freed at line 4',
    ]);
  });

  it('does not let a body redefine an id from outside the repeat', () => {
    const r = loadScenarioText(
      'name: r\nsteps:\n  - { op: kalloc, id: m, pages: 1 }\n  - { op: repeat, times: 2, steps: [{ op: kalloc, id: m, pages: 1 }] }\n',
      'r.yaml',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual(['region "m" is already defined at line 3']);
  });

  it('runs zero iterations for times: 0 and an empty for list', () => {
    const s = ok(`name: r
steps:
  - { op: repeat, times: 0, steps: [{ op: kalloc, id: a, pages: 1 }] }
  - { op: repeat, for: { n: [] }, steps: [{ op: kalloc, id: b, pages: 1 }] }
  - { op: kalloc, id: c, pages: 1 }
`);
    expect((s.steps[0] as RepeatStep).iterations).toEqual([]);
    expect((s.steps[1] as RepeatStep).iterations).toEqual([]);
    expect(Object.keys(s.regions)).toEqual(['c']);
  });

  it('bounds the expansion', () => {
    const r = loadScenarioText(
      'name: r\nsteps:\n  - { op: repeat, times: 1000000, steps: [{ op: process, id: p }, { op: exec }] }\n',
      'r.yaml',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual(['the scenario expands to more than 1000000 steps']);
  });
});
