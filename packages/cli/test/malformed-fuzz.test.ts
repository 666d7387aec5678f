// Issue 13 item 6: 1,000 generated malformed scenarios (fixed seed) through the loader and the CLI's error
// path (loadScenarios → InputError → classifyError, what `run`, `compare` and `validate` do): each loads
// or ends in exit 2 with `file:line:column` lines, never a throw, never exit 3, never a stack trace. Work
// per input is bounded by the generators' sizes (no clock involved).
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyError } from '../src/errors.js';
import { loadScenarios } from '../src/scenario-input.js';

const VALID = `name: fuzz
params: { n: 2 }
machine: { cpus: 4, memory: 64MiB }
steps:
  - { op: kalloc, id: mod, pages: $n, flags: [reset-perms] }
  - { op: kprotect, region: mod, prot: rx }
  - { op: access, cpu: 2, region: mod, kind: exec, expect: ok }
  - op: repeat
    times: 2
    steps:
      - { op: page-alloc, id: p, pages: 1 }
  - { op: kfree, region: mod }
`;

/** Pieces a hostile or careless user writes: YAML syntax, aliases, prototype keys, huge numbers. */
const HOSTILE = [
  '&a',
  '*a',
  '*nope',
  '__proto__: 1',
  'constructor',
  '{',
  '}',
  '[',
  ']',
  ':',
  '- ',
  '\t',
  '"',
  "'",
  '1000000000',
  '-1',
  '1e309',
  '$n',
  '$missing',
  '!!binary',
  '%YAML 1.1',
  '---',
  '...',
  '#',
  '\n',
  '  ',
  '0B',
  '9999GiB',
  'op: repeat',
  'times: 99999999',
  '<<: *a',
  '?',
];

const dir = mkdtempSync(join(tmpdir(), 'shootdown-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const edit = fc.record({
  at: fc.nat(),
  cut: fc.nat({ max: 12 }),
  insert: fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 8 })),
});

describe('1,000 malformed scenarios through the CLI error path', () => {
  it('each loads or is exit 2 with file:line:column lines; none throws or is exit 3', async () => {
    let n = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        let text = VALID;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.cut);
        }
        const file = join(dir, `f${n++}.yaml`);
        writeFileSync(file, text);
        let thrown: unknown;
        try {
          await loadScenarios([file], {});
        } catch (e) {
          thrown = e;
        }
        if (thrown === undefined) return;
        rejected++;
        const c = classifyError(thrown);
        expect(c.exitCode, (thrown as Error).message).toBe(2);
        const first = c.lines[0] ?? '';
        expect(first).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
        for (const line of c.lines) expect(line).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/);
      }),
      { numRuns: 1000, seed: 13 },
    );
    expect(n).toBe(1000);
    expect(rejected).toBeGreaterThan(500);
  }, 600_000);
});
