// The selection language of DESIGN §3 at its edges: whitespace, empty parts, raw-mmu without or with an
// unknown architecture, names that exist only on Object.prototype, policies without mechanisms, claims
// that are not invariant ids, disclaims that outrank claims, and `--vary` over a mechanism whose default
// is not its first declared variant.
import { describe, expect, it } from 'vitest';
import {
  INVARIANT_IDS,
  PolicyRegistry,
  SelectionError,
  expandVary,
  formatSelection,
  parseSelection,
  resolveSelection,
  type InvariantId,
  type PolicyDefinition,
} from '../src/index.js';
import { toyPolicy, toyRegistry as registry } from './toy-policy.js';

/** A second policy: one mechanism whose default is declared in the middle, claims that others take back. */
function keysPolicy(): PolicyDefinition {
  return {
    name: 'keys',
    os: 'none',
    arch: 'arm64',
    description: 'test policy',
    claims: ['pkey-kept'],
    mechanisms: {
      flush: {
        description: 'when the old key is flushed',
        default: 'eager',
        variants: {
          lazy: { description: 'lazy', source: 'test', disclaims: ['pkey-tag'] },
          eager: { description: 'eager', source: 'test', claims: ['pkey-tag'] },
          none: { description: 'none', source: 'test', disclaims: ['pkey-tag', 'pkey-kept'] },
        },
      },
      swap: {
        description: 'swap-out',
        default: 'keep',
        variants: {
          keep: { description: 'keep', source: 'test', claims: ['not-an-invariant' as InvariantId] },
          strict: { description: 'strict', source: 'test', claims: ['pkey-tag', 'pagetable-reuse'] },
        },
      },
    },
    configure() {},
  };
}

function twoPolicies(): PolicyRegistry {
  const r = registry();
  r.addPolicy(keysPolicy());
  r.addPolicy({ ...toyPolicy('bare'), mechanisms: {}, claims: [] });
  return r;
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SelectionError);
    expect((e as Error).name).toBe('SelectionError');
    return (e as Error).message;
  }
  throw new Error('expected a SelectionError');
}

describe('parseSelection edges', () => {
  it('tolerates whitespace around every name', () => {
    expect(parseSelection('  linux-x86 : vfree = reset-perms , unmapped-alloc=gfp-unmapped ')).toEqual({
      policy: 'linux-x86',
      choices: [
        { mechanism: 'vfree', variant: 'reset-perms' },
        { mechanism: 'unmapped-alloc', variant: 'gfp-unmapped' },
      ],
    });
    expect(parseSelection(' raw-mmu : arm64 ')).toEqual({ policy: 'raw-mmu', arch: 'arm64', choices: [] });
    expect(parseSelection('\tlinux-x86\n')).toEqual({ policy: 'linux-x86', choices: [] });
  });

  it('says what was expected for each malformed shape', () => {
    expect(message(() => parseSelection('   '))).toBe('empty policy selection (expected e.g. "linux-x86")');
    expect(message(() => parseSelection('linux-x86:'))).toBe(
      `"linux-x86:": expected mechanism=variant after ':'`,
    );
    expect(message(() => parseSelection('raw-mmu:'))).toBe(
      `"raw-mmu:": expected raw-mmu:<arch> (x86_64, arm64)`,
    );
    expect(message(() => parseSelection('raw-mmu:X86'))).toBe(
      `"raw-mmu:X86": expected raw-mmu:<arch> (x86_64, arm64)`,
    );
    expect(message(() => parseSelection(':vfree=a'))).toBe(
      `":vfree=a": policy name "" is not a valid name (letters, digits, '-')`,
    );
    expect(message(() => parseSelection('linux-x86:=a'))).toBe(
      `"linux-x86:=a": "=a" is not of the form mechanism=variant`,
    );
    expect(message(() => parseSelection('linux-x86:vfree=a, vfree= '))).toBe(
      `"linux-x86:vfree=a, vfree= ": "vfree=" is not of the form mechanism=variant`,
    );
    expect(message(() => parseSelection('linux-x86:vfree=Reset'))).toContain(
      '"vfree=Reset" is not of the form',
    );
    expect(message(() => parseSelection('linux-x86:vfree=a,unmapped-alloc=b,vfree=c'))).toBe(
      `"linux-x86:vfree=a,unmapped-alloc=b,vfree=c": mechanism "vfree" is chosen twice`,
    );
  });
});

describe('resolveSelection edges', () => {
  it('raw-mmu without an architecture, or with one that is no typo of a known one', () => {
    const r = registry();
    expect(message(() => resolveSelection(r, { policy: 'raw-mmu', choices: [] }))).toBe(
      'raw-mmu needs an architecture: raw-mmu:x86_64 or raw-mmu:arm64',
    );
    expect(message(() => resolveSelection(r, 'raw-mmu:sparc64x'))).toBe(
      'raw-mmu needs an architecture: raw-mmu:x86_64 or raw-mmu:arm64',
    );
    expect(message(() => resolveSelection(r, 'raw-mmu:x86-64'))).toBe(
      "raw-mmu needs an architecture: raw-mmu:x86_64 or raw-mmu:arm64 (did you mean 'raw-mmu:x86_64'?)",
    );
    expect(resolveSelection(r, 'raw-mmu:arm64')).toEqual({
      policy: 'raw-mmu',
      arch: 'arm64',
      variants: {},
      text: 'raw-mmu:arm64',
      claims: [...INVARIANT_IDS].sort(),
    });
  });

  it('lists the known policies (in the registry’s name order), raw-mmu last, when a name is unknown', () => {
    expect(message(() => resolveSelection(twoPolicies(), 'keyz'))).toBe(
      "unknown policy 'keyz' (did you mean 'keys'?); known: bare, keys, linux-x86, raw-mmu",
    );
  });

  it('a name that exists only on Object.prototype is no mechanism and no variant', () => {
    const r = registry();
    expect(message(() => resolveSelection(r, 'linux-x86:constructor=x'))).toBe(
      "policy 'linux-x86' has no mechanism 'constructor'; mechanisms: vfree, unmapped-alloc",
    );
    expect(message(() => resolveSelection(r, 'linux-x86:vfree=constructor'))).toBe(
      "linux-x86:vfree has no variant 'constructor'; variants: reset-perms, arch-vunmap-v2, module-free-pre52",
    );
    expect(message(() => resolveSelection(twoPolicies(), 'bare:vfree=reset-perms'))).toBe(
      "policy 'bare' has no mechanism 'vfree'; mechanisms: (none)",
    );
  });

  it('the policy itself, every default and its arch; a policy without mechanisms prints bare', () => {
    const r = twoPolicies();
    expect(resolveSelection(r, 'keys')).toEqual({
      policy: 'keys',
      arch: 'arm64',
      variants: { flush: 'eager', swap: 'keep' },
      text: 'keys',
      // policy claims + the defaults' claims; 'not-an-invariant' is not an invariant id and is dropped
      claims: ['pkey-kept', 'pkey-tag'],
    });
    expect(resolveSelection(r, 'bare')).toMatchObject({
      policy: 'bare',
      variants: {},
      text: 'bare',
      claims: [],
    });
  });

  it('a disclaim outranks a claim, whichever mechanism comes first', () => {
    const r = twoPolicies();
    expect(resolveSelection(r, 'keys:flush=lazy,swap=strict').claims).toEqual([
      'pagetable-reuse',
      'pkey-kept',
    ]);
    expect(resolveSelection(r, 'keys:swap=strict,flush=none').claims).toEqual(['pagetable-reuse']);
    expect(resolveSelection(r, 'keys:swap=strict,flush=none').text).toBe('keys:flush=none,swap=strict');
  });
});

describe('formatSelection', () => {
  it('keeps only the non-default choices, sorted by mechanism', () => {
    const defaults: Record<string, string> = { b: 'x', a: 'x', c: 'x' };
    expect(formatSelection('p', { c: 'y', b: 'x', a: 'z' }, (m) => defaults[m])).toBe('p:a=z,c=y');
    expect(formatSelection('p', { b: 'x' }, (m) => defaults[m])).toBe('p');
  });
});

describe('expandVary edges', () => {
  it('default first, then the others in declared order', () => {
    expect(expandVary(twoPolicies(), ' keys : flush ').map((s) => s.text)).toEqual([
      'keys',
      'keys:flush=lazy',
      'keys:flush=none',
    ]);
  });

  it('refuses a spec without a mechanism, an unknown policy and an unknown mechanism', () => {
    const r = twoPolicies();
    expect(message(() => expandVary(r, 'keys'))).toBe('--vary "keys": expected <policy>:<mechanism>');
    expect(message(() => expandVary(r, 'keyz:flush'))).toMatch(
      /^unknown policy 'keyz' \(did you mean 'keys'\?\)/,
    );
    expect(message(() => expandVary(r, 'keys:swop'))).toBe(
      "policy 'keys' has no mechanism 'swop' (did you mean 'swap'?); mechanisms: flush, swap",
    );
    expect(message(() => expandVary(r, 'keys:constructor'))).toBe(
      "policy 'keys' has no mechanism 'constructor'; mechanisms: flush, swap",
    );
  });
});
