// The `freebsd-amd64` policy: FreeBSD's vm_map over the amd64 pmap with per-pmap PKRU rangesets.
import { signalsOf, Tokens, type PolicyDefinition, type PolicyMap, type PhaseHook } from '@shootdown/core';
import type { Machine } from '@shootdown/mmu';
import { bootTablesAtMost } from '../amd64/machine-port.js';
import { Amd64PmapHandle, Amd64PmapTable } from '../amd64/pmap-table.js';
import { gatherFactory } from '../amd64/delayed-invl.js';
import { FreeBsdSystem, keyLifetimeOf } from './system.js';
import { exclCheck, pkruRemove, pkruUpdate } from './variants.js';

/** Where `configure` leaves the run's FreeBsdSystem, for this plug-in's own ops and probes. */
export const SYSTEM_TOKEN = Symbol.for('@shootdown/policy-freebsd-amd64:System');

export const freebsdAmd64 = {
  name: 'freebsd-amd64',
  os: 'freebsd',
  arch: 'x86_64',
  description:
    'FreeBSD on amd64: vm_map entries with lazily created anonymous objects over the amd64 pmap, whose PKRU ' +
    'rangeset (sysarch AMD64_SET_PKRU / AMD64_CLEAR_PKRU, EXCL and PERSIST) gives every page its key at ' +
    'pmap_enter; shootdowns with pmap_invalidate_page/range/all, PCID generations and pm_active.',
  claims: ['stale-after-free', 'stale-exec-alias'],
  mechanisms: {
    'pkru-remove': pkruRemove,
    'pkru-update': pkruUpdate,
    'excl-check': exclCheck,
  },
  // configure's decisions before it boots (FreeBsdSystem): the key lifetime of `pkru-remove` (throwing what
  // configure throws), then whether memory holds create_pagetables' tables at most; then the boot succeeds,
  // and it never touches a TLB, so it leaves nothing for a step's invariants. Below that only the boot can tell.
  preflight(machine, selection) {
    keyLifetimeOf(selection.variants);
    return bootTablesAtMost(machine.frames) <= machine.frames ? {} : null;
  },
  configure(container, selection) {
    const machine = container.resolve(Tokens.Machine) as Machine;
    const phases: PhaseHook | undefined = container.isRegistered(Tokens.Phases, true)
      ? container.resolve(Tokens.Phases)
      : undefined;
    const sys = new FreeBsdSystem({
      machine,
      frameBook: container.resolve(Tokens.FrameBook),
      counters: container.resolve(Tokens.Counters),
      phases,
      signals: signalsOf(container),
      variants: selection.variants,
    });
    const handles = new Map<number, Amd64PmapHandle>();
    container.register(SYSTEM_TOKEN, { useValue: sys });
    container.register(Tokens.Kernel, { useValue: sys.kernel });
    container.register(Tokens.VmMap, { useValue: { of: (pid: number) => sys.map(pid) } });
    container.register(Tokens.Pmap, {
      useValue: new Amd64PmapTable(
        (pid) => {
          const pmap = sys.pmap(pid);
          if (pmap === undefined) return undefined;
          let h = handles.get(pid);
          if (h === undefined) handles.set(pid, (h = new Amd64PmapHandle(pmap, sys.pkru)));
          return h;
        },
        machine,
        sys.port.kernelSpace,
      ),
    });
    container.register(Tokens.MmuGather, {
      useValue: gatherFactory(
        (pid) => sys.pmap(pid),
        sys.shootdown,
        (cpu, pfn) => sys.phys.freeFrame(cpu, pfn),
      ),
    });
    container.register(Tokens.PageAllocator, { useValue: sys.phys });
  },
} satisfies PolicyDefinition;

export const policies = { 'freebsd-amd64': freebsdAmd64 } satisfies PolicyMap;
