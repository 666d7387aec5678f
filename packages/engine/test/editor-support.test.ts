// Editor support for scenarios (issue 15 item 6): the schema names itself (`$id`), a scenario may name
// its schema (`$schema`, JSON and YAML alike), and `op` is a choice an editor can complete — every op the
// schema defines, each with its own fields — while the loader keeps suggesting the closest op for a typo.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../src/scenario/index.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../schemas/scenario.schema.json', import.meta.url), 'utf8'),
) as {
  $id: string;
  properties: Record<string, unknown>;
  $defs: Record<string, { properties?: Record<string, { anyOf?: { enum?: string[] }[] }> }>;
};

describe('the scenario schema for editors', () => {
  it('has an absolute $id', () => {
    expect(schema.$id).toMatch(/^https:\/\/.+\/scenario\.schema\.json$/);
  });

  it('offers every op it defines as a completion of `op`, and only those', () => {
    const choice = schema.$defs['step']!.properties!['op']!.anyOf![0]!.enum!;
    const defined = Object.keys(schema.$defs)
      .filter((k) => k.startsWith('op-'))
      .map((k) => k.slice(3));
    expect([...choice].sort()).toEqual([...defined].sort());
  });

  it('accepts a $schema key in YAML and in JSON, and ignores it', () => {
    const yaml = loadScenarioText(
      [
        '# yaml-language-server: $schema=../../schemas/scenario.schema.json',
        '$schema: ../../schemas/scenario.schema.json',
        'name: s',
        'steps:',
        '  - { op: kalloc, id: m, pages: 1 }',
        '',
      ].join('\n'),
      's.yaml',
    );
    expect(yaml.ok, JSON.stringify(yaml)).toBe(true);
    const json = loadScenarioText(
      JSON.stringify({ $schema: schema.$id, name: 's', steps: [{ op: 'kalloc', id: 'm', pages: 1 }] }),
      's.json',
    );
    expect(json.ok, JSON.stringify(json)).toBe(true);
    if (yaml.ok && json.ok) {
      expect(yaml.scenario.steps.map((x) => x.op)).toEqual(json.scenario.steps.map((x) => x.op));
    }
  });

  it('still names the closest op for a typo, at the op', () => {
    const r = loadScenarioText(
      'name: s\nsteps:\n  - { op: kalloc, id: m, pages: 1 }\n  - { op: kfre, region: m }\n',
      's.yaml',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
        '4:11 unknown op "kfre"; did you mean "kfree"?',
      ]);
    }
  });

  it("accepts a plug-in's <policy>.<op> as the op's other branch", () => {
    const r = loadScenarioText('name: s\nsteps:\n  - { op: linux.mermap-get, id: w }\n', 's.yaml');
    // no plug-in is loaded here: the loader, not the schema, says so
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors[0]!.message).toBe('unknown op "linux.mermap-get": no loaded plug-in registers it');
  });
});
