// The loader's promise (DESIGN §4): bad input gets located messages, never a stack trace. Random mutations
// of well-formed scenarios (a value replaced, a key dropped or added, anywhere in the tree) must load or
// fail with errors that each carry a file, a position and a message — never throw.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadScenarioText } from '../src/scenario/index.js';

const base = [
  parse(
    readFileSync(new URL('./fixtures/lang/valid/vfree-exec-reuse.yaml', import.meta.url), 'utf8'),
  ) as unknown,
  parse(readFileSync(new URL('./fixtures/lang/valid/arm64-bbm.yaml', import.meta.url), 'utf8')) as unknown,
  parse(`name: mix
params: { n: 2, who: p }
steps:
  - { op: process, id: p }
  - { op: run, cpu: 1, process: $who }
  - { op: mmap, id: buf, pages: 4, flags: [populate] }
  - { op: key-alloc, id: k }
  - { op: key-assign, key: k, region: buf, page: 1, pages: 2 }
  - { op: set-key-rights, cpu: 1, key: k, rights: r }
  - { op: access, cpu: 1, region: buf, pages: 2, kind: write, expect-pages: [ok, fault:key] }
  - op: repeat
    for: { i: [0, 1] }
    steps:
      - { op: page-alloc, id: pg, pages: $n, flags: [unmapped] }
      - { op: page-free, region: pg }
  - op: interleave
    phase: cleared
    operation: { op: munmap, region: buf }
    steps: [{ op: revoke, cpu: 2, region: buf }]
  - { op: check, query: entry, region: buf, expect: { present: false } }
`) as unknown,
];

type Path = (string | number)[];

function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (typeof v === 'object' && v !== null)
    for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

function mutate(doc: unknown, path: Path, kind: number, value: unknown): unknown {
  const copy = structuredClone(doc);
  if (path.length === 0) return kind === 0 ? value : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (kind === 0) parent[last] = value;
  else if (kind === 1) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (typeof parent[last] === 'object' && parent[last] !== null && !Array.isArray(parent[last])) {
    (parent[last] as Record<string, unknown>)['extra'] = value;
  } else parent[last] = [value];
  return copy;
}

const values = fc.oneof(
  fc.integer({ min: -5, max: 70 }),
  fc.constantFrom(
    'ok',
    'buf',
    'mod',
    'k',
    'p',
    '$n',
    '$nope',
    'fault',
    'none',
    'f1',
    'user',
    'rw',
    'repeat',
    'linux.x',
    '',
  ),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

describe('loader robustness', () => {
  it('never throws on mutated scenarios and always locates its errors', () => {
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.nat(), fc.nat(2), values, (which, pick, kind, value) => {
        const doc = base[which]!;
        const all = paths(doc);
        const text = stringify(mutate(doc, all[pick % all.length]!, kind, value));
        const r = loadScenarioText(text, 'fuzz.yaml');
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.file).toMatch(/^(fuzz\.yaml|--set .*)$/);
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.column).toBeGreaterThanOrEqual(1);
            expect(e.message.length).toBeGreaterThan(0);
            expect(e.message.replace(/^undefined param/, '')).not.toMatch(
              /undefined|\[object Object\]|must match "then"|NaN/,
            );
          }
        }
      }),
      { numRuns: 200, seed: 20260701 },
    );
  }, 600_000);
});
