// Hostile input (issue 13 items 1-3): alias bombs, unresolved and cyclic aliases, prototype keys, limits
// checked before expansion, a machine validate accepts but the MMU would refuse to build. Every one is a
// located error (exit 2 in the CLI), never a throw, and costs work proportional to the file, not to what
// it asks for. Sizes are chosen so the quadratic versions of these checks would take minutes, while the
// linear ones take a few seconds even on a busy machine; no assertion depends on the clock.
import { describe, expect, it } from 'vitest';
import { formatScenarioError, loadScenarioText, parseVerdicts } from '../src/index.js';
import { MAX_EXPANDED_STEPS, MAX_SCENARIO_BYTES } from '../src/scenario/limits.js';

function errorsOf(text: string): string[] {
  const r = loadScenarioText(text, 'h.yaml');
  if (r.ok) throw new Error('expected errors, the scenario loaded');
  return r.errors.map((e) => formatScenarioError(e));
}

const STEP = '  - { op: kalloc, id: a, pages: 1 }\n';

describe('YAML aliases', () => {
  it('refuses a billion-laughs document at the alias that crosses the limit, without expanding it', () => {
    let text = 'name: bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n';
    const names = 'abcdefghij';
    for (let i = 1; i < 10; i++) {
      const prev = names[i - 1]!;
      text += `${names[i]}: &${names[i]} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
    }
    text += `steps:\n${STEP}`;
    const errs = errorsOf(text);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^h\.yaml:\d+:\d+: aliases expand to more than 10000 nodes/);
  });

  it('names an alias without an anchor at its line and column', () => {
    expect(errorsOf(`name: x\nmachine: *nope\nsteps:\n${STEP}`)).toEqual([
      'h.yaml:2:10: alias *nope names no anchor before it',
    ]);
  });

  it('refuses an alias inside the node it names (a cycle toJS would build)', () => {
    expect(errorsOf(`name: x\nmachine: &m { cpus: 2, more: *m }\nsteps:\n${STEP}`)).toEqual([
      'h.yaml:2:30: alias *m refers to a node that contains it (a cycle)',
    ]);
  });

  it('still accepts an anchor shared by a few aliases', () => {
    const r = loadScenarioText(
      'name: x\nsteps:\n  - &s { op: kalloc, id: a, pages: 1 }\n  - { op: kfree, region: a }\n',
      'h.yaml',
    );
    expect(r.ok).toBe(true);
  });
});

describe('prototype keys', () => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`refuses "${key}" as a key wherever it is written`, () => {
      const errs = errorsOf(`name: x\nmachine: { cpus: 2, ${key}: { cpus: 9 } }\nsteps:\n${STEP}`);
      expect(errs).toEqual([
        `h.yaml:2:21: "${key}" is not allowed as a key (reserved by JavaScript objects)`,
      ]);
    });
  }

  it('refuses them as params and loop variables too, so no user key reaches a prototype', () => {
    const errs = errorsOf(
      'name: x\nparams: { constructor: 1 }\nsteps:\n  - op: repeat\n    for: { __proto__: [1] }\n    steps:\n' +
        '      - { op: kalloc, id: a, pages: 1 }\n',
    );
    expect(errs.map((e) => e.split(': ')[0])).toEqual(['h.yaml:2:11', 'h.yaml:5:12']);
  });

  it('keeps params in an object without a prototype: a --set name cannot reach Object.prototype', () => {
    const r = loadScenarioText(`name: x\nparams: { n: 1 }\nsteps:\n${STEP}`, 'h.yaml', {
      set: ['toString=2'],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toMatch(/^unknown param "toString"/);
  });
});

describe('limits checked before work', () => {
  it('answers repeat times: 10^9 at once, without materialising an iteration', () => {
    const errs = errorsOf(
      'name: x\nsteps:\n  - op: repeat\n    times: 1000000000\n    steps:\n      - { op: kalloc, id: a, pages: 1 }\n',
    );
    expect(errs).toEqual([
      `h.yaml:3:3: the scenario expands to more than ${MAX_EXPANDED_STEPS} steps (at /steps)`,
      'h.yaml:4:12: must be <= 1000000, got 1000000000 (at /steps/0/times)',
    ]);
  });

  it('multiplies nested repeats (and $param counts) out before expanding any of them', () => {
    const errs = errorsOf(
      'name: x\nparams: { n: 1001 }\nsteps:\n  - op: repeat\n    times: 1000\n    steps:\n      - op: repeat\n' +
        '        times: $n\n        steps:\n          - { op: kalloc, id: a, pages: 1 }\n',
    );
    expect(errs).toEqual([
      `h.yaml:4:3: the scenario expands to more than ${MAX_EXPANDED_STEPS} steps (at /steps)`,
    ]);
  });

  it('refuses a file over the size limit with the sizes in the message', () => {
    const text = `name: x\ndescription: "${'y'.repeat(MAX_SCENARIO_BYTES)}"\nsteps:\n${STEP}`;
    expect(errorsOf(text)).toEqual(['h.yaml:1:1: the file is 16.0 MiB; a scenario may be at most 16.0 MiB']);
  });

  it('refuses nesting deeper than the limit, located, whether the parser or the guard stops it', () => {
    for (const depth of [100, 2000]) {
      const errs = errorsOf(`name: x\nsteps: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatch(
        /^h\.yaml:2:\d+: nesting (deeper than 64 levels|too deep for the YAML parser)$/,
      );
    }
  });

  it('reports 200,000 unknown keys (the first thousand) in work linear in the file', () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => `  k${i}: 1\n`).join('');
    const r = loadScenarioText(`name: x\nmachine:\n${keys}steps:\n${STEP}`, 'h.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1000);
      expect(formatScenarioError(r.errors[0]!)).toMatch(/^h\.yaml:3:3: unknown property "k0"/);
    }
  }, 600_000);

  it('walks a 300,000-step file without overflowing the stack and stops at 1,000 located errors', () => {
    // the cheapest steps to parse (a number is not a step), so the test costs the walk, not the YAML lexer
    const r = loadScenarioText(`name: x\nsteps:\n${'  - 1\n'.repeat(300_000)}`, 'h.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1000);
      expect(formatScenarioError(r.errors[999]!)).toMatch(/^h\.yaml:1002:5: .* \(at \/steps\/999\)$/);
    }
  }, 600_000);
});

describe('validate and run agree on the machine', () => {
  it.each([
    ['0B', 'must be at least one 4 KiB frame'],
    ['4095B', 'must be at least one 4 KiB frame'],
    ['1024GiB', 'must be at most 256GiB (2^26 frames)'],
  ])('memory %s is refused by the loader with the MMU’s own words', (memory, message) => {
    expect(errorsOf(`name: x\nmachine: { cpus: 2, memory: ${memory} }\nsteps:\n${STEP}`)).toEqual([
      `h.yaml:2:29: ${message} (at /machine/memory)`,
    ]);
  });

  it('refuses tlbEntries that are not a multiple of the ways, as createMachine would', () => {
    const errs = errorsOf(`name: x\nmachine: { tlbEntries: 10, tlbAssociativity: 4 }\nsteps:\n${STEP}`);
    expect(errs).toEqual([
      'h.yaml:2:24: must be a multiple of tlbAssociativity (4) (at /machine/tlbEntries)',
    ]);
  });
});

describe('verdict files', () => {
  it('an empty or comment-only verdict file is a located mistake, not a file every run disagrees with', () => {
    for (const text of ['', '# nothing yet\n\n']) {
      const r = parseVerdicts(text, 'v.txt');
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.errors.map((e) => formatScenarioError(e))).toEqual([
          'v.txt:1:1: no verdicts: expected lines of <scenario> <selection> <verdict>',
        ]);
      }
    }
  });

  it('keeps prototype-like names as plain data', () => {
    const r = parseVerdicts('constructor linux-x86 holds\n__proto__ linux-x86 holds\n', 'v.txt');
    expect(r.ok).toBe(false); // `__proto__` is not kebab-case
    const ok = parseVerdicts('constructor linux-x86 holds\n', 'v.txt');
    expect(ok.ok && ok.verdicts.verdicts[0]!.scenario).toBe('constructor');
  });
});
