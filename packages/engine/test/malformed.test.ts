// Every file under fixtures/lang/malformed/ is a scenario with mistakes; its `# expect: line:column message`
// comments (or, for JSON, the `.expect` file beside it) list every error the loader must report, in
// order, with the exact message and position. Each fixture says which rule it breaks (DESIGN §4, the
// schema, or a spec section). Nothing is run when any error exists, so the loader must not return a scenario.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatScenarioError, loadScenarioText } from '../src/scenario/index.js';

const dir = new URL('./fixtures/lang/malformed/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.json'))
  .sort();

function expectations(file: string, text: string): string[] {
  const src = file.endsWith('.json') ? readFileSync(new URL(`${file}.expect`, dir), 'utf8') : text;
  return src
    .split('\n')
    .filter((l) => l.startsWith('# expect: '))
    .map((l) => l.slice('# expect: '.length));
}

describe('malformed scenarios', () => {
  it('has at least 30 fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it('reports a YAML syntax error at the place the parser stopped, and nothing else', () => {
    // kept inline: a fixture file that is not YAML would fail the repository's formatting check
    const text = 'name: yaml-syntax\nsteps:\n  - { op: process, id: p\n  - { op: run, process: p }\n';
    const r = loadScenarioText(text, 'inline.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // the parser's wording is its own; we pin the place and that it is one located error
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'inline.yaml', line: 4, column: 3, pointer: '' });
    expect(r.errors[0].message).toMatch(/^Flow map in block collection must be sufficiently indented/);
  });

  it.each(files)('%s reports exactly its expected errors', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const want = expectations(file, text);
    const r = loadScenarioText(text, file);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(want.length).toBeGreaterThan(0);
    expect(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual(want);
    for (const e of r.errors) {
      expect(e.file).toBe(file);
      expect(formatScenarioError(e)).toBe(
        `${file}:${e.line}:${e.column}: ${e.message}${e.pointer === '' ? '' : ` (at ${e.pointer})`}`,
      );
    }
  });
});
