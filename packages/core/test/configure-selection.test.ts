// configureSelection through the registry (issue 10 defect 7): the host's `configure` sees only variant
// names it declared — a contributed variant is replaced by its mechanism's default, every other choice is
// kept — and receives the caller's selection itself when it declared them all; the contributed variant's
// `configure` sees the selection as chosen, and the caller's selection is never changed.
import 'reflect-metadata';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { PolicyRegistry, resolveSelection, type ResolvedSelection } from '../src/index.js';
import { toyPolicy } from './toy-policy.js';

function registry(seen: ResolvedSelection[], calls: string[]): PolicyRegistry {
  const r = new PolicyRegistry();
  r.addPolicy({ ...toyPolicy(), configure: (_c, sel) => void seen.push(sel) });
  r.addVariant('linux-x86', 'vfree', 'mine', {
    description: 'd',
    source: 's',
    configure: (_c, sel) => void calls.push(`mine ${sel.text}`),
  });
  return r;
}

describe('configureSelection', () => {
  it('the host receives the caller’s selection itself when every variant is its own', () => {
    const seen: ResolvedSelection[] = [];
    const r = registry(seen, []);
    const s = resolveSelection(r, 'linux-x86:vfree=arch-vunmap-v2,unmapped-alloc=gfp-unmapped');
    r.policy('linux-x86')!.configure(container.createChildContainer(), s);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(s);
  });

  it('a contributed variant: only its mechanism falls back to the default for the host', () => {
    const seen: ResolvedSelection[] = [];
    const calls: string[] = [];
    const r = registry(seen, calls);
    const s = resolveSelection(r, 'linux-x86:vfree=mine,unmapped-alloc=unmapped-skip-flush');
    r.policy('linux-x86')!.configure(container.createChildContainer(), s);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({
      ...s,
      variants: { vfree: 'reset-perms', 'unmapped-alloc': 'unmapped-skip-flush' },
    });
    expect(calls).toEqual(['mine linux-x86:unmapped-alloc=unmapped-skip-flush,vfree=mine']);
    expect(s.variants).toEqual({ vfree: 'mine', 'unmapped-alloc': 'unmapped-skip-flush' });
  });
});
