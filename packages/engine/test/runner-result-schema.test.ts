// Issue acceptance: a YAML scenario runs under `reference` through the engine API (plug-in loaded from its
// package folder, as the CLI does) and its result validates against schemas/result.schema.json — for every
// runner fixture, so each op the fixtures use produces schema-conforming step records.
import 'reflect-metadata';
import { readFileSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadScenarioText,
  runScenario,
  scenarioOptionsFor,
  serializeResult,
  validateResult,
  type PolicyRegistry,
} from '../src/index.js';
import { referenceRegistry } from './reference-registry.js';

const fixtures = new URL('./fixtures/runner/', import.meta.url);
let registry: PolicyRegistry;

beforeAll(async () => {
  // The toy plug-in adds a variant and an op of its own (toy-ops.yaml uses it).
  registry = await referenceRegistry({ toy: true });
});

const files = readdirSync(fixtures)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('results validate against result.schema.json', () => {
  it('has fixtures to run', () => expect(files.length).toBeGreaterThan(5));
  for (const f of files) {
    it(f, () => {
      const loaded = loadScenarioText(
        readFileSync(new URL(f, fixtures), 'utf8'),
        f,
        scenarioOptionsFor(registry),
      );
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      // Hardware-level fixtures run under their raw-mmu selection, OS-level ones under the reference OS.
      const selection = loaded.scenario.hw ? `raw-mmu:${loaded.scenario.hw.arch ?? 'x86_64'}` : 'reference';
      const result = runScenario(loaded.scenario, { registry, selection });
      expect(result.steps.length).toBeGreaterThan(0);
      expect(
        validateResult(JSON.parse(serializeResult(result))),
        JSON.stringify(validateResult(JSON.parse(serializeResult(result)))),
      ).toEqual([]);
    });
  }
});
