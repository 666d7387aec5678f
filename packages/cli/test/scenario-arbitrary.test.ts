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

  it('draws the wider vocabulary: interleave at each phase, fork, madvise, key lifetimes, kernel memory', () => {
    const seen = new Map<string, number>();
    const phases = new Set<string>();
    const count = (op: string): void => void seen.set(op, (seen.get(op) ?? 0) + 1);
    for (const draft of fc.sample(draftArbitrary(12), { seed: 11, numRuns: 400 })) {
      const doc = buildScenario(draft, vocabulary) as { steps: Record<string, unknown>[] };
      for (const st of doc.steps) {
        count(String(st['op']));
        if (st['op'] === 'interleave') {
          phases.add(String(st['phase']));
          count(`interleave:${String((st['operation'] as { op: string }).op)}`);
        }
      }
    }
    for (const op of [
      'fork',
      'madvise-dontneed',
      'key-free',
      'key-assign',
      'set-key-rights',
      'swapout',
      'kalloc',
      'kprotect',
      'kfree',
      'interleave:munmap',
      'interleave:mprotect',
      'interleave:kfree',
    ]) {
      expect(seen.get(op) ?? 0, op).toBeGreaterThan(0);
    }
    expect([...phases].sort()).toEqual(['cleared', 'flushed', 'unlinked']);
  });

  it('never asks kprotect for writable and executable at once (mprotect still may)', () => {
    const kernel = new Set<string>();
    const user = new Set<string>();
    const visit = (st: Record<string, unknown>): void => {
      if (st['op'] === 'kprotect') kernel.add(String(st['prot']));
      if (st['op'] === 'mprotect') user.add(String(st['prot']));
      if (st['op'] === 'interleave') {
        visit(st['operation'] as Record<string, unknown>);
        for (const n of st['steps'] as Record<string, unknown>[]) visit(n);
      }
    };
    for (const draft of fc.sample(draftArbitrary(12), { seed: 11, numRuns: 400 })) {
      for (const st of (buildScenario(draft, vocabulary) as { steps: Record<string, unknown>[] }).steps)
        visit(st);
    }
    expect([...kernel].sort()).toEqual(['none', 'r', 'rw', 'rx', 'w', 'x']);
    expect(user.has('wx') || user.has('rwx')).toBe(true);
  });

  it('runs an interleaved step on another CPU, and never an mmap_lock writer inside mprotect', () => {
    fc.assert(
      fc.property(draftArbitrary(12), (draft) => {
        const doc = buildScenario(draft, vocabulary) as { steps: Record<string, unknown>[] };
        for (const st of doc.steps) {
          if (st['op'] !== 'interleave') continue;
          const outer = st['operation'] as Record<string, unknown>;
          const busy = (outer['cpu'] as number | undefined) ?? 0;
          for (const inner of st['steps'] as Record<string, unknown>[]) {
            expect((inner['cpu'] as number | undefined) ?? 0).not.toBe(busy);
            // mprotect and pkey_mprotect hold mmap_lock for writing: no munmap or madvise of the same
            // process fits inside them (the only process here is p unless a fork made another)
            if (outer['op'] === 'mprotect' && !doc.steps.some((x) => x['op'] === 'fork')) {
              expect(['munmap', 'madvise-dontneed']).not.toContain(inner['op']);
            }
            // only an access may name the region the interrupted op works on
            if (inner['region'] === outer['region']) expect(['access', 'uaccess']).toContain(inner['op']);
          }
        }
        return true;
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});
