// issue 10 defect 7: a vfree name linux-mm's switch (packages/linux-mm vfree.ts vfreeArea) does not know
// skipped the unmap and every flush. A variant contributed to linux-x86 must bring its implementation, the
// host runs with its own default for that mechanism, and every name linux-x86 declares is implemented.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { PolicyRegistry, RegistryError, createRegisterContext, resolveSelection } from '@shootdown/core';
import { VM_FLUSH_RESET_PERMS } from '@shootdown/linux-mm';
import { register } from '../src/index.js';
import { Run } from './harness.js';
import { X86_RUN, type X86Run } from '../src/run-state.js';

function registry(): PolicyRegistry {
  const r = new PolicyRegistry();
  register(createRegisterContext(r));
  return r;
}

describe('variants contributed to linux-x86', () => {
  it('a contributed vfree variant without its implementation is refused at registration', () => {
    expect(() =>
      registry().addVariant('linux-x86', 'vfree', 'my-vfree', { description: 'd', source: 's' }),
    ).toThrow(RegistryError);
  });

  it('linux-mm runs its default vfree for a contributed name, and the contributed configure follows', () => {
    const r = registry();
    let hostVfree = '';
    r.addVariant('linux-x86', 'vfree', 'my-vfree', {
      description: 'A third-party vfree.',
      source: 'a patch under review',
      configure: (c) => {
        hostVfree = (c.resolve(X86_RUN) as X86Run).lm.config.vfree;
      },
    });
    const sel = resolveSelection(r, 'linux-x86:vfree=my-vfree');
    const run = new Run(sel.text, { cpus: 2, memory: '16MiB' }, r);
    expect(hostVfree).toBe('reset-perms');
    // The host's vfree is the merged one (mm/vmalloc.c vm_reset_perms), not a no-op: it pays what the
    // default selection pays, and the vmalloc alias is gone.
    const freeIn = (x: Run) => {
      const area = x.x86.lm.vmalloc.vmalloc(0, 2, VM_FLUSH_RESET_PERMS)!;
      const step = x.step(() => x.x86.lm.vmalloc.vfree(0, area.addr));
      return { counters: step.counters, after: x.kernel.access(1, area.addr, 'read', false).outcome };
    };
    const contributed = freeIn(run);
    expect(contributed).toEqual(freeIn(new Run('linux-x86', { cpus: 2, memory: '16MiB' })));
    expect(contributed.counters['kflush']).toBeGreaterThan(0);
    expect(contributed.after).toBe('fault:not-present');
  });

  it('every variant linux-x86 declares has an implementation (configure builds for each)', () => {
    const r = registry();
    const def = r.policy('linux-x86')!;
    for (const [mech, m] of Object.entries(def.mechanisms)) {
      for (const v of Object.keys(m.variants)) {
        const sel = resolveSelection(r, `linux-x86:${mech}=${v}`);
        expect(() => new Run(sel.text, { cpus: 2, memory: '16MiB' }, r), `${mech}=${v}`).not.toThrow();
      }
    }
  });
});
