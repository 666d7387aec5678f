import { describe, expect, it } from 'vitest';
import { closest, closestTopic } from '../src/suggest.js';

describe('closest suggestion', () => {
  const variants = ['module-free-pre52', 'arch-vunmap-v2', 'reset-perms', 'vmalloc-range-only'];

  it('suggests the candidate one typo away', () => {
    expect(closest('reset-perm', variants)).toBe('reset-perms');
    expect(closest('arch-vunmap-v3', variants)).toBe('arch-vunmap-v2');
  });

  it('suggests nothing for an unrelated word', () => {
    expect(closest('zzzzzz', variants)).toBeUndefined();
    expect(closest('anything', [])).toBeUndefined();
  });

  it('breaks ties by name so the message is deterministic', () => {
    expect(closest('ab', ['ac', 'aa'])).toBe('aa');
  });
});

describe('closestTopic', () => {
  const topics = ['free-pgtables', 'linux-pkeys', 'pkey-lifetime', 'vmalloc-perms'];
  it('suggests a topic from a mistyped full name or from its mistyped leading word', () => {
    expect(closestTopic('vmalloc-prems', topics)).toBe('vmalloc-perms');
    expect(closestTopic('vmaloc', topics)).toBe('vmalloc-perms');
    expect(closestTopic('pkey-lifetim', topics)).toBe('pkey-lifetime');
  });
  it('suggests nothing for an unrelated word', () => {
    expect(closestTopic('scheduler', topics)).toBeUndefined();
  });
});
