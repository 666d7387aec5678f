// Editor support for scenarios (issue 15 item 6): the schema names itself (`$id`), a scenario may name
// its schema (`$schema`, JSON and YAML alike), and `op` is a choice an editor can complete — every op the
// schema defines, each with its own fields — while the loader keeps suggesting the closest op for a typo.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSize, SIZE_PATTERN } from '@shootdown/mmu';
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

describe('sizes: one grammar for every size field', () => {
  const machine = JSON.parse(
    readFileSync(new URL('../../../schemas/machine.schema.json', import.meta.url), 'utf8'),
  ) as { properties: { memory: { pattern: string } } };
  const size = (schema.$defs['size'] as unknown as { anyOf: { pattern?: string }[] }).anyOf[1]!.pattern;

  it("is the same pattern in both schemas and the MMU's parser", () => {
    expect(machine.properties.memory.pattern).toBe(size);
    expect(size).toBe(SIZE_PATTERN);
  });

  it('reads K and KiB alike, binary', () => {
    expect(parseSize('64M')).toBe(parseSize('64MiB'));
    expect(parseSize('2MiB')).toBe(2 * 1024 * 1024);
    expect(parseSize('4K')).toBe(4096);
    expect(parseSize('1G')).toBe(1024 ** 3);
    expect(() => parseSize('2MB')).toThrow(/not like/);
  });

  it('takes a size for memory and for align, as bytes', () => {
    const text = (memory: string, align: string): string =>
      [
        'name: s',
        `machine: { cpus: 1, memory: ${memory} }`,
        'steps:',
        `  - { op: mmap, id: b, pages: 512, align: ${align} }`,
        '',
      ].join('\n');
    const a = loadScenarioText(text('64M', '2MiB'), 'a.yaml');
    const b = loadScenarioText(text('64MiB', '0x200000'), 'b.yaml');
    expect(a.ok, JSON.stringify(a)).toBe(true);
    expect(b.ok, JSON.stringify(b)).toBe(true);
    if (a.ok && b.ok) {
      const align = (s: typeof a.scenario): unknown =>
        (s.steps.find((x) => x.op === 'mmap') as unknown as { align: number }).align;
      expect(align(a.scenario)).toBe(2 * 1024 * 1024);
      expect(align(a.scenario)).toBe(align(b.scenario));
    }
  });

  it('refuses a size with an unknown suffix, located', () => {
    const r = loadScenarioText('name: s\nsteps:\n  - { op: mmap, id: b, pages: 1, align: 2MB }\n', 's.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.line).toBe(3);
  });
});
