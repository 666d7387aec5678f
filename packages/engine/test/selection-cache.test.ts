import { describe, expect, it } from 'vitest';
import { PolicyRegistry, resolveSelection, type PolicyDefinition } from '@shootdown/core';
import { resolveSelectionCached } from '../src/runner/selection-cache.js';

function policy(name: string): PolicyDefinition {
  return {
    name,
    os: 'none',
    arch: 'x86_64',
    description: 'test policy',
    claims: ['wx-alias'],
    mechanisms: {
      flush: {
        description: 'how a range is flushed',
        default: 'range',
        variants: {
          range: { description: 'per page', source: 'test' },
          full: { description: 'everything', source: 'test', disclaims: ['wx-alias'] },
        },
      },
    },
    configure() {},
  };
}

describe('resolveSelectionCached', () => {
  it('answers what resolveSelection answers, once per text', () => {
    const r = new PolicyRegistry();
    r.addPolicy(policy('toy'));
    for (const text of ['toy', 'toy:flush=full', ' toy : flush = range ', 'raw-mmu:arm64']) {
      const a = resolveSelectionCached(r, text);
      expect(a).toEqual(resolveSelection(r, text));
      expect(resolveSelectionCached(r, text)).toBe(a);
    }
    // two spellings of one selection are two texts, each resolved to the same canonical selection
    expect(resolveSelectionCached(r, 'toy:flush=range')).toEqual(resolveSelectionCached(r, 'toy'));
  });

  it('is frozen: every run naming the text shares it', () => {
    const r = new PolicyRegistry();
    r.addPolicy(policy('toy'));
    const s = resolveSelectionCached(r, 'toy:flush=full');
    expect(Object.isFrozen(s) && Object.isFrozen(s.variants) && Object.isFrozen(s.claims)).toBe(true);
    expect(s.claims).toEqual([]);
  });

  it('resolves again after the registry gained a policy or a variant', () => {
    const r = new PolicyRegistry();
    r.addPolicy(policy('toy'));
    const before = resolveSelectionCached(r, 'toy');
    expect(() => resolveSelectionCached(r, 'toy:flush=lazy')).toThrow(/no variant 'lazy'/);
    r.addVariant('toy', 'flush', 'lazy', {
      description: 'deferred',
      source: 'test',
      claims: ['stale-after-free'],
      configure() {},
    });
    // an error is not remembered: the text resolves now that the variant exists
    expect(resolveSelectionCached(r, 'toy:flush=lazy').claims).toEqual(['stale-after-free', 'wx-alias']);
    const after = resolveSelectionCached(r, 'toy');
    expect(after).not.toBe(before);
    expect(after).toEqual(before);
    expect(() => resolveSelectionCached(r, 'other')).toThrow(/unknown policy 'other'/);
    r.addPolicy(policy('other'));
    expect(resolveSelectionCached(r, 'other').policy).toBe('other');
  });

  it('keeps one registry apart from another', () => {
    const a = new PolicyRegistry();
    const b = new PolicyRegistry();
    a.addPolicy(policy('toy'));
    b.addPolicy({ ...policy('toy'), claims: [] });
    expect(resolveSelectionCached(a, 'toy').claims).toEqual(['wx-alias']);
    expect(resolveSelectionCached(b, 'toy').claims).toEqual([]);
  });
});
