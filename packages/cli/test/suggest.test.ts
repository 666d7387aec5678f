import { describe, expect, it } from 'vitest';
import { closest } from '../src/suggest.js';

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
