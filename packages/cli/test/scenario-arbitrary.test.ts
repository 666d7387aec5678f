// explore's generator: every scenario it builds is valid by construction — references to regions,
// keys and processes that exist, CPUs in range — so the loader accepts each one, whatever fast-check
// draws or shrinks to; and it uses only ops the scenario schema defines.
import { loadScenarioText } from '@shootdown/engine';
import { loadSchemas } from '@shootdown/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { documentYaml } from '../src/minimize/reproduce.js';
import {
  buildScenario,
  draftArbitrary,
  FAMILIES,
  vocabularyFromSchema,
} from '../src/explore/scenario-arbitrary.js';

const vocabulary = vocabularyFromSchema(loadSchemas()['scenario.schema.json'] as Record<string, unknown>);

describe('explore scenario arbitrary', () => {
  it('draws only ops and enum values the scenario schema defines', () => {
    for (const ops of Object.values(FAMILIES)) for (const op of ops) expect(vocabulary.ops).toContain(op);
    expect(vocabulary.prot).toContain('rx');
    expect(vocabulary.accessKinds).toEqual(['read', 'write', 'exec']);
    expect(vocabulary.kallocFlags).toEqual(['reset-perms']);
  });

  it('builds scenarios the loader accepts, every one', () => {
    fc.assert(
      fc.property(draftArbitrary(12), (draft) => {
        const doc = buildScenario(draft, vocabulary);
        const res = loadScenarioText(documentYaml(doc), 'explored.yaml');
        if (!res.ok) throw new Error(`${documentYaml(doc)}\n${JSON.stringify(res.errors)}`);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('is deterministic: the same draft, the same document', () => {
    const [draft] = fc.sample(draftArbitrary(12), { seed: 3, numRuns: 1 });
    expect(buildScenario(draft!, vocabulary)).toEqual(buildScenario(draft!, vocabulary));
  });
});
