import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listScenarios } from '@shootdown/catalog';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { resolveScenarioRef } from '../src/scenario-ref.js';

// DESIGN §6: a scenario name from the catalogue works wherever a path does.
describe('scenario arguments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shootdown-ref-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const catalogued = listScenarios()[0];

  it('resolves a catalogue name to its file', () => {
    expect(catalogued).toBeDefined();
    const ref = resolveScenarioRef(catalogued!.name, dir);
    expect(ref.path).toBe(catalogued!.path);
    expect(ref.catalogTopic).toBe(catalogued!.topic);
  });

  it('resolves topic/name too', () => {
    const ref = resolveScenarioRef(`${catalogued!.topic}/${catalogued!.name}`, dir);
    expect(ref.path).toBe(catalogued!.path);
  });

  it('prefers an existing file over a catalogue entry of the same name', () => {
    writeFileSync(join(dir, catalogued!.name), 'name: local\n');
    const ref = resolveScenarioRef(catalogued!.name, dir);
    expect(ref.path).toBe(join(dir, catalogued!.name));
    expect(ref.catalogTopic).toBeUndefined();
  });

  it('names the closest catalogue scenario for a typo', () => {
    const typo = `${catalogued!.name.slice(0, -1)}`;
    try {
      resolveScenarioRef(typo, dir);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).hints.join('\n')).toContain(`did you mean '${catalogued!.name}'`);
    }
  });

  it('rejects a folder', () => {
    expect(() => resolveScenarioRef(dir, dir)).toThrow(/is a folder/);
  });
});
