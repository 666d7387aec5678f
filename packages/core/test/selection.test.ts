import { describe, expect, it } from 'vitest';
import {
  INVARIANT_IDS,
  SelectionError,
  closest,
  didYouMean,
  expandVary,
  parseSelection,
  resolveSelection,
} from '../src/index.js';
import { toyRegistry as registry } from './toy-policy.js';

describe('parseSelection (DESIGN §3 selection syntax)', () => {
  it('splits policy and mechanism=variant pairs', () => {
    expect(parseSelection('linux-x86:vfree=arch-vunmap-v2,unmapped-alloc=unmapped-skip-flush')).toEqual({
      policy: 'linux-x86',
      choices: [
        { mechanism: 'vfree', variant: 'arch-vunmap-v2' },
        { mechanism: 'unmapped-alloc', variant: 'unmapped-skip-flush' },
      ],
    });
  });
  it('reads raw-mmu:<arch>', () => {
    expect(parseSelection('raw-mmu:arm64')).toEqual({ policy: 'raw-mmu', arch: 'arm64', choices: [] });
  });
  it('rejects malformed pairs and duplicates with the offending part', () => {
    expect(() => parseSelection('linux-x86:vfree')).toThrow(/"vfree" is not of the form mechanism=variant/);
    expect(() => parseSelection('linux-x86:vfree=a,vfree=b')).toThrow(/chosen twice/);
    expect(() => parseSelection('')).toThrow(SelectionError);
    expect(() => parseSelection('Linux X86')).toThrow(/not a valid name/);
  });
});

describe('resolveSelection', () => {
  it('fills defaults and prints canonically (non-defaults only, sorted by mechanism)', () => {
    const r = registry();
    const s = resolveSelection(r, 'linux-x86:vfree=reset-perms,unmapped-alloc=gfp-unmapped');
    expect(s.variants).toEqual({ vfree: 'reset-perms', 'unmapped-alloc': 'gfp-unmapped' });
    expect(s.text).toBe('linux-x86:unmapped-alloc=gfp-unmapped');
    expect(resolveSelection(r, 'linux-x86:vfree=reset-perms').text).toBe('linux-x86');
    const both = resolveSelection(r, 'linux-x86:vfree=arch-vunmap-v2,unmapped-alloc=unmapped-skip-flush');
    expect(both.text).toBe('linux-x86:unmapped-alloc=unmapped-skip-flush,vfree=arch-vunmap-v2');
    expect(resolveSelection(r, both.text).text).toBe(both.text);
  });
  it('computes claims: policy claims + variant claims − variant disclaims (DESIGN §3)', () => {
    const r = registry();
    expect(resolveSelection(r, 'linux-x86').claims).toEqual(['stale-exec-alias', 'wx-alias']);
    expect(resolveSelection(r, 'linux-x86:unmapped-alloc=gfp-unmapped').claims).toEqual([
      'stale-exec-alias',
      'unmapped-stays-unmapped',
      'wx-alias',
    ]);
    expect(resolveSelection(r, 'linux-x86:vfree=module-free-pre52').claims).toEqual([]);
  });
  it('suggests the closest policy, mechanism and variant', () => {
    const r = registry();
    expect(() => resolveSelection(r, 'linux-x68')).toThrow(
      /unknown policy 'linux-x68' \(did you mean 'linux-x86'\?\)/,
    );
    expect(() => resolveSelection(r, 'linux-x86:vfre=reset-perms')).toThrow(
      /no mechanism 'vfre' \(did you mean 'vfree'\?\)/,
    );
    expect(() => resolveSelection(r, 'linux-x86:vfree=arch-vunmap-v3')).toThrow(
      /no variant 'arch-vunmap-v3' \(did you mean 'arch-vunmap-v2'\?\)/,
    );
    expect(() => resolveSelection(r, 'raw-mmu:arm46')).toThrow(/did you mean 'raw-mmu:arm64'/);
    expect(() => resolveSelection(r, 'zzzzzzzz')).toThrow(
      /unknown policy 'zzzzzzzz'; known: linux-x86, raw-mmu/,
    );
  });
  it('resolves the built-in raw-mmu selections', () => {
    const s = resolveSelection(registry(), 'raw-mmu:x86_64');
    expect(s).toMatchObject({ policy: 'raw-mmu', arch: 'x86_64', text: 'raw-mmu:x86_64' });
  });
  it('raw-mmu claims every invariant: the hardware level judges them all (issue 11 defect 5)', () => {
    const s = resolveSelection(registry(), 'raw-mmu:arm64');
    expect(s.claims).toEqual([...INVARIANT_IDS].sort());
    expect(s.claims).toContain('break-before-make');
  });
});

describe('expandVary', () => {
  it('gives one selection per variant, default first', () => {
    expect(expandVary(registry(), 'linux-x86:vfree').map((s) => s.text)).toEqual([
      'linux-x86',
      'linux-x86:vfree=arch-vunmap-v2',
      'linux-x86:vfree=module-free-pre52',
    ]);
    expect(() => expandVary(registry(), 'linux-x86:vfre')).toThrow(/did you mean 'vfree'/);
  });
});

describe('did you mean', () => {
  it('suggests only plausible names', () => {
    expect(closest('vfre', ['vfree', 'pkeys'])).toBe('vfree');
    expect(closest('qqqqqq', ['vfree', 'pkeys'])).toBeUndefined();
  });
  it('takes one swapped pair as a typo, whatever the case', () => {
    expect(closest('arm46', ['arm64', 'x86_64'])).toBe('arm64');
    expect(closest('Linux-X68', ['linux-x86', 'freebsd-amd64'])).toBe('linux-x86');
  });
  it('prefers a candidate of the typed length, then the alphabetically first', () => {
    // both one edit from `ab`: `aa` replaces a letter, `abc` adds one
    expect(closest('ab', ['abc', 'aa'])).toBe('aa');
    expect(closest('ab', ['ac', 'aa'])).toBe('aa');
  });
  it('falls back to a candidate that starts with or contains the typed name', () => {
    expect(closest('vmalloc', ['vmalloc-perms', 'pkey-lifetime'])).toBe('vmalloc-perms');
    expect(closest('lifetime', ['vmalloc-perms', 'pkey-lifetime'])).toBe('pkey-lifetime');
    expect(closest('zz', ['zzzzzzzzzz'])).toBeUndefined();
  });
  it('appends a suggestion to a message, or nothing', () => {
    expect(didYouMean('kfre', ['kfree', 'kalloc'])).toBe('; did you mean "kfree"?');
    expect(didYouMean('qqqqqq', ['kfree'])).toBe('');
  });
});
