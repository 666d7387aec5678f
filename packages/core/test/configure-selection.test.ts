// configureSelection through the registry (issue 10 defect 7): the host's `configure` sees only variant
// names it declared — a contributed variant is replaced by its mechanism's default, every other choice is
// kept — and receives the caller's selection itself when it declared them all; the contributed variant's
// `configure` sees the selection as chosen, and the caller's selection is never changed.
import 'reflect-metadata';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { validateMachineParams, type MachineParams } from '@shootdown/mmu';
import {
  PolicyRegistry,
  resolveSelection,
  type MechanismDefinition,
  type PolicyDefinition,
  type ResolvedSelection,
} from '../src/index.js';
import { configureSelection, preflightSelection } from '../src/policy/configure-selection.js';
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

/** A selection naming `variants`, as resolveSelection would hand it on (only the fields these functions read). */
const selectionOf = (variants: Record<string, string>): ResolvedSelection =>
  ({ policy: 'p', arch: 'x86_64', variants, text: 'p' }) as unknown as ResolvedSelection;

const mech = (variants: MechanismDefinition['variants']): MechanismDefinition => ({
  description: 'm',
  default: 'a',
  variants,
});

describe('configureSelection and preflightSelection, called directly', () => {
  it('a mechanism the policy does not declare is passed on to the host untouched, and nothing is called for it', () => {
    const def = {
      mechanisms: { own: mech({ a: { description: 'a', source: 's' } }) },
    } as unknown as PolicyDefinition;
    const seen: ResolvedSelection[] = [];
    const s = selectionOf({ own: 'a', foreign: 'x' });
    configureSelection(def, {}, (_c, sel) => void seen.push(sel), container.createChildContainer(), s);
    expect(seen).toEqual([s]);
    expect(seen[0]).toBe(s);
  });

  it('preflight: null (boot to know) exactly when a selected variant has its own configure', () => {
    const v = validateMachineParams({});
    if (!v.ok) throw new Error('default machine parameters do not validate');
    const machine: MachineParams = v.value;
    const asked: unknown[][] = [];
    const preflight = (m: unknown, sel: unknown): { unsupported: string } => {
      asked.push([m, sel]);
      return { unsupported: 'no' };
    };
    const mechanisms = {
      plain: mech({ a: { description: 'a', source: 's' } }),
      coded: mech({
        a: { description: 'a', source: 's' },
        b: { description: 'b', source: 's', configure: () => {} },
      }),
    };
    const withCode = selectionOf({ plain: 'a', coded: 'b' });
    expect(preflightSelection(preflight, mechanisms, machine, withCode)).toBeNull();
    expect(asked).toEqual([]);
    // the default of the same mechanism has no configure; a mechanism nobody declares has none either
    const without = selectionOf({ plain: 'a', coded: 'a', unknown: 'z' });
    expect(preflightSelection(preflight, mechanisms, machine, without)).toEqual({ unsupported: 'no' });
    expect(asked).toHaveLength(1);
    expect(asked[0]![0]).toBe(machine);
    expect(asked[0]![1]).toBe(without);
  });
});
