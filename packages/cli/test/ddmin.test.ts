// ddmin (Zeller & Hildebrandt 2002) and the document shrinker on predicates whose minimal answers are
// known by construction.
import { describe, expect, it } from 'vitest';
import { ddmin } from '../src/minimize/ddmin.js';
import { countSteps, shrinkDocument } from '../src/minimize/shrink-document.js';

describe('ddmin', () => {
  it('finds the elements a failure needs, whatever their positions', async () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const needs = [3, 17, 18, 39];
    let tests = 0;
    const kept = await ddmin(items, (c) => {
      tests++;
      return needs.every((n) => c.includes(n));
    });
    expect(kept).toEqual(needs);
    // far fewer tests than the 2^40 subsets, and than trying every single removal repeatedly
    expect(tests).toBeLessThan(400);
  });

  it('is 1-minimal: removing any kept element breaks the test', async () => {
    // a non-monotone test: needs an even count of multiples of 5 plus element 7
    const test = (c: readonly number[]): boolean =>
      c.includes(7) &&
      c.filter((x) => x % 5 === 0).length % 2 === 0 &&
      c.filter((x) => x % 5 === 0).length > 0;
    const kept = await ddmin(
      Array.from({ length: 30 }, (_, i) => i),
      test,
    );
    expect(test(kept)).toBe(true);
    for (let i = 0; i < kept.length; i++) expect(test(kept.filter((_, k) => k !== i))).toBe(false);
  });

  it('returns the empty list when nothing is needed, and is deterministic', async () => {
    expect(await ddmin([1, 2, 3], () => true)).toEqual([]);
    const run = (): Promise<number[]> => ddmin([5, 1, 4, 2, 3], (c) => c.includes(4) && c.includes(2));
    expect(await run()).toEqual([4, 2]);
    expect(await run()).toEqual(await run());
  });
});

describe('shrinkDocument', () => {
  it('drops steps, including inside repeat blocks, and bisects counts to the smallest that reproduces', async () => {
    const doc = {
      name: 't',
      params: { pages: 64 },
      machine: { cpus: 8, memory: '64MiB' },
      steps: [
        { op: 'a' },
        { op: 'repeat', times: 10, steps: [{ op: 'x' }, { op: 'needed' }, { op: 'y' }] },
        { op: 'b', cpu: 5 },
        { op: 'c' },
      ],
    };
    interface Step {
      op: string;
      times?: number;
      cpu?: number;
      steps?: Step[];
    }
    interface Doc {
      params: { pages: number };
      machine: { cpus: number };
      steps: Step[];
    }
    // reproduces while the needed op repeats at least 3 times, b runs on a CPU the machine has, and
    // pages is at least 12
    const reproduces = (d: unknown): boolean => {
      const x = d as Doc;
      const rep = x.steps.find((s) => s.op === 'repeat');
      const b = x.steps.find((s) => s.op === 'b');
      return (
        rep !== undefined &&
        (rep.times ?? 0) >= 3 &&
        (rep.steps ?? []).some((s) => s.op === 'needed') &&
        b !== undefined &&
        (b.cpu ?? 99) < x.machine.cpus &&
        x.params.pages >= 12
      );
    };
    const { doc: small, stats } = await shrinkDocument(doc as never, reproduces, 10_000);
    expect(small).toEqual({
      name: 't',
      params: { pages: 12 },
      machine: { cpus: 1, memory: '64MiB' },
      steps: [
        { op: 'repeat', times: 3, steps: [{ op: 'needed' }] },
        { op: 'b', cpu: 0 },
      ],
    });
    expect(countSteps(small)).toBe(3);
    expect(stats.exhausted).toBe(false);
    // a budget stops it, with what it had
    const cut = await shrinkDocument(doc as never, reproduces, 5);
    expect(cut.stats.exhausted).toBe(true);
    expect(cut.stats.tests).toBe(5);
    expect(reproduces(cut.doc)).toBe(true);
  });
});
