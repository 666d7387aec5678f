// The registry's rules for names and contributions (DESIGN §3 "Plug-ins", §4 "Policy-contributed ops"):
// kebab-case policy names, `<policy>.<name>` for ops, probes and counters, one registration per name,
// variants that wait for a policy registered later, and sorted listings.
import { describe, expect, it } from 'vitest';
import {
  PolicyRegistry,
  RAW_MMU,
  RegistryError,
  ok,
  type OpContribution,
  type VariantDefinition,
} from '../src/index.js';
import { toyPolicy } from './toy-policy.js';

const op = (name: string): OpContribution => ({
  name,
  policies: ['linux-x86'],
  description: 'd',
  schema: {},
  run: () => ok(),
});
const probe = (name: string) => ({ name, policies: ['linux-x86'], description: 'd', answer: () => null });
const variant = (extra: Partial<VariantDefinition> = {}): VariantDefinition => ({
  description: 'my idea',
  source: 'my patch',
  configure() {},
  ...extra,
});

describe('policy names', () => {
  it('must be kebab-case', () => {
    const r = new PolicyRegistry();
    for (const bad of ['Linux', 'linux_x86', '-linux', 'linux-', 'linux--x86', 'linux x86', '']) {
      expect(() => r.addPolicy(toyPolicy(bad))).toThrow(
        `policy name '${bad}' must be kebab-case (letters, digits, '-')`,
      );
    }
    for (const good of ['linux', 'linux-x86', 'arm64-pkey', 'freebsd-amd64']) r.addPolicy(toyPolicy(good));
    expect(r.policies().map((p) => p.name)).toEqual(['arm64-pkey', 'freebsd-amd64', 'linux', 'linux-x86']);
    expect(() => r.addPolicy(toyPolicy(RAW_MMU))).toThrow(`'raw-mmu' is built in and cannot be registered`);
    expect(() => r.addPolicy(toyPolicy('linux'))).toThrow(`policy 'linux' is already registered`);
  });

  it('keeps what it was given and answers by name', () => {
    const r = new PolicyRegistry();
    const def = toyPolicy();
    r.addPolicy(def);
    const got = r.policy('linux-x86')!;
    expect([got.name, got.os, got.arch, got.description, got.claims]).toEqual([
      'linux-x86',
      'linux',
      'x86_64',
      'test policy',
      def.claims,
    ]);
    expect(Object.keys(got.mechanisms)).toEqual(['vfree', 'unmapped-alloc']);
    expect(got.mechanisms['vfree'].default).toBe('reset-perms');
    expect(r.policy('freebsd-amd64')).toBeUndefined();
  });

  it('every variant needs a description and a source, the default among them', () => {
    const r = new PolicyRegistry();
    const def = toyPolicy();
    const vfree = def.mechanisms['vfree'];
    const withVariant = (v: VariantDefinition) => ({
      ...def,
      mechanisms: { vfree: { ...vfree, variants: { ...vfree.variants, odd: v } } },
    });
    expect(() => r.addPolicy(withVariant({ description: ' ', source: 's' }))).toThrow(
      'linux-x86:vfree=odd: every variant needs a description and a source',
    );
    expect(() => r.addPolicy(withVariant({ description: 'd', source: '' }))).toThrow(RegistryError);
    expect(r.policy('linux-x86')).toBeUndefined();
    r.addPolicy(withVariant({ description: 'd', source: 's' }));
    expect(() => r.addVariant('linux-x86', 'vfree', 'blank', variant({ source: ' ' }))).toThrow(
      'linux-x86:vfree=blank: every variant needs a description and a source',
    );
  });
});

describe('contributed variants', () => {
  it('wait for a policy registered later, and are reported when it never arrives', () => {
    const r = new PolicyRegistry();
    r.addVariant('linux-x86', 'vfree', 'early', variant());
    r.addVariant('freebsd-amd64', 'pmap', 'lost', variant());
    expect(r.orphanVariants()).toEqual(['linux-x86:vfree=early', 'freebsd-amd64:pmap=lost']);
    r.addPolicy(toyPolicy());
    expect(Object.keys(r.policy('linux-x86')!.mechanisms['vfree'].variants)).toContain('early');
    expect(r.orphanVariants()).toEqual(['freebsd-amd64:pmap=lost']);
  });

  it('cannot replace a variant the policy has, nor name a mechanism it lacks (own properties only)', () => {
    const r = new PolicyRegistry();
    r.addPolicy(toyPolicy());
    expect(() => r.addVariant('linux-x86', 'vfree', 'reset-perms', variant())).toThrow(
      "linux-x86:vfree already has a variant 'reset-perms'",
    );
    expect(() => r.addVariant('linux-x86', 'toString', 'x', variant())).toThrow(
      "policy 'linux-x86' has no mechanism 'toString'",
    );
    expect(() => r.addVariant('linux-x86', 'zzzzzzzz', 'x', variant())).toThrow(
      /^policy 'linux-x86' has no mechanism 'zzzzzzzz'$/,
    );
    expect(() => r.addVariant('linux-x86', 'vfree', 'constructor', variant())).not.toThrow();
  });
});

describe('ops, probes, counters and renderers', () => {
  it('ops, probes and counters are named <policy>.<name>, once each, and listed sorted by name', () => {
    const r = new PolicyRegistry();
    for (const bad of ['mermap', '.mermap', 'linux.', 'linux']) {
      expect(() => r.addOp(op(bad))).toThrow(
        `op '${bad}' must be named '<policy>.<name>' (e.g. 'linux.mermap-get')`,
      );
      expect(() => r.addProbe(probe(bad))).toThrow(`probe '${bad}' must be named`);
      expect(() => r.addCounter({ name: bad, description: 'd' })).toThrow(`counter '${bad}' must be named`);
    }
    r.addOp(op('linux.mermap-put'));
    r.addOp(op('linux.mermap-get'));
    r.addOp(op('a.b'));
    expect(() => r.addOp(op('linux.mermap-get'))).toThrow("op 'linux.mermap-get' is already registered");
    expect(r.ops().map((o) => o.name)).toEqual(['a.b', 'linux.mermap-get', 'linux.mermap-put']);
    expect(r.op('linux.mermap-get')?.name).toBe('linux.mermap-get');
    expect(r.op('linux.nope')).toBeUndefined();

    r.addProbe(probe('linux.vmap-lazy'));
    r.addProbe(probe('fbsd.pkru'));
    expect(() => r.addProbe(probe('fbsd.pkru'))).toThrow("probe 'fbsd.pkru' is already registered");
    expect(r.probes().map((p) => p.name)).toEqual(['fbsd.pkru', 'linux.vmap-lazy']);
    expect(r.probe('fbsd.pkru')?.name).toBe('fbsd.pkru');
    expect(r.probe('fbsd.nope')).toBeUndefined();

    r.addCounter({ name: 'linux.vmap_purge', description: 'd' });
    r.addCounter({ name: 'fbsd.pmap_invl', description: 'd' });
    expect(() => r.addCounter({ name: 'fbsd.pmap_invl', description: 'd' })).toThrow(
      "counter 'fbsd.pmap_invl' is already registered",
    );
    expect(r.counters().map((c) => c.name)).toEqual(['fbsd.pmap_invl', 'linux.vmap_purge']);
  });

  it('renderers are keyed by format, once each', () => {
    const r = new PolicyRegistry();
    const render = (format: string) => ({ format, description: 'd', render: () => format });
    r.addRenderer(render('svg'));
    r.addRenderer(render('csv'));
    expect(() => r.addRenderer(render('svg'))).toThrow("renderer 'svg' is already registered");
    expect(r.renderers().map((x) => x.format)).toEqual(['csv', 'svg']);
    expect(r.renderer('csv')?.render(null)).toBe('csv');
    expect(r.renderer('html')).toBeUndefined();
  });
});
