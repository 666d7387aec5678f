// The policy as `shootdown policies` lists it: the spec §9 variants named without the `fbsd-` prefix, the
// landed design as default, and the claims each variant adds or gives up.
import { PolicyRegistry, createRegisterContext, resolveSelection } from '@shootdown/core';
import { describe, expect, it } from 'vitest';
import { register } from '../src/index.js';

function registry(): PolicyRegistry {
  const r = new PolicyRegistry();
  register(createRegisterContext(r));
  return r;
}

describe('freebsd-amd64 policy', () => {
  it('offers every spec §9 FreeBSD variant under pkru-remove, the landed map-delete design by default', () => {
    const p = registry().policy('freebsd-amd64');
    const mech = p?.mechanisms['pkru-remove'];
    expect(Object.keys(mech?.variants ?? {}).sort()).toEqual([
      'explicit-clear-only',
      'map-delete',
      'original',
      'swapout-fix',
    ]);
    expect(mech?.default).toBe('map-delete');
    expect(p?.arch).toBe('x86_64');
  });

  it('claims pkey-kept only for the designs that keep keys across non-logical removals', () => {
    const r = registry();
    const claims = (v: string) => resolveSelection(r, `freebsd-amd64:pkru-remove=${v}`).claims;
    expect(claims('map-delete')).toContain('pkey-kept');
    expect(claims('explicit-clear-only')).toContain('pkey-kept');
    expect(claims('original')).not.toContain('pkey-kept');
    expect(claims('swapout-fix')).not.toContain('pkey-kept');
    expect(resolveSelection(r, 'freebsd-amd64:pkru-update=no-invalidate').claims).not.toContain('pkey-tag');
    expect(resolveSelection(r, 'freebsd-amd64').claims).toContain('pkey-tag');
  });

  it('registers its op, probes and counters under the freebsd prefix', () => {
    const r = registry();
    expect(r.op('freebsd.sysarch')?.policies).toEqual(['freebsd-amd64']);
    expect(r.probe('freebsd.pkru-ranges')).toBeDefined();
    expect(r.probe('freebsd.superpage-eligible')).toBeDefined();
    expect(r.counters().map((c) => c.name)).toEqual(
      expect.arrayContaining(['freebsd.invalidate_range', 'freebsd.invalidate_all', 'freebsd.di_wait']),
    );
  });
});
