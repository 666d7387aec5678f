import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findScenario, listTopics } from '../src/index.js';

function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'catalog-'));
  mkdirSync(join(root, 'b-topic'));
  mkdirSync(join(root, 'a-topic'));
  writeFileSync(join(root, 'a-topic', 'zeta.yaml'), 'name: zeta\ndescription: Last one.\nsteps: []\n');
  writeFileSync(
    join(root, 'a-topic', 'alpha.yaml'),
    'name: alpha\ndescription: >\n  Folded text.\nsteps: []\n',
  );
  writeFileSync(join(root, 'a-topic', 'expected'), 'alpha reference holds\n');
  writeFileSync(join(root, 'a-topic', 'README.md'), '# A\n');
  writeFileSync(join(root, 'b-topic', 'alpha.json'), '{"name":"alpha","description":"Json one.","steps":[]}');
  return root;
}

describe('catalogue index', () => {
  it('lists topics and scenarios in name order with their descriptions', () => {
    const topics = listTopics(fixture());
    expect(topics.map((t) => t.name)).toEqual(['a-topic', 'b-topic']);
    expect(topics[0].scenarios.map((s) => [s.name, s.description])).toEqual([
      ['alpha', 'Folded text.'],
      ['zeta', 'Last one.'],
    ]);
    expect(topics[0].expected).toMatch(/a-topic[/\\]expected$/);
    expect(topics[1].expected).toBeUndefined();
    expect(topics[1].scenarios[0].description).toBe('Json one.');
  });

  it('finds by bare or qualified name and refuses an ambiguous bare name', () => {
    const root = fixture();
    expect(findScenario('zeta', root)?.topic).toBe('a-topic');
    expect(findScenario('b-topic/alpha', root)?.path).toMatch(/alpha\.json$/);
    expect(findScenario('nope', root)).toBeUndefined();
    expect(() => findScenario('alpha', root)).toThrow(/ambiguous: a-topic\/alpha, b-topic\/alpha/);
  });
});
