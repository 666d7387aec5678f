// One run's FreeBSD amd64 kernel, assembled from the selected variants: physical allocator, machine port,
// shootdown, VM objects, pmaps and vm_maps, and the Kernel. `configure` registers its parts under core's tokens.
import type { Counters, FrameBook, PhaseHook, Pid, SignalDelivery } from '@shootdown/core';
import type { Machine } from '@shootdown/mmu';
import { DelayedInvl } from '../amd64/delayed-invl-pages.js';
import { MachinePort } from '../amd64/machine-port.js';
import { Amd64Pmap } from '../amd64/pmap.js';
import { Shootdown } from '../amd64/shootdown.js';
import { FreeBsdKernel } from '../kern/kernel.js';
import { VmPhys } from '../kern/vm-phys.js';
import type { PkruCallOptions } from '../pkru/pmap-pkru.js';
import { VmObjects } from '../vm/objects.js';
import { FreeBsdVmMap } from '../vm/vm-map.js';
import { Vmspace } from '../vm/vmspace.js';
import { KEY_LIFETIMES, type KeyLifetime, type KeyLifetimeName } from './key-lifetime.js';

export interface SystemInputs {
  readonly machine: Machine;
  readonly frameBook: FrameBook;
  readonly counters: Counters;
  readonly phases: PhaseHook | undefined;
  /** The runner's signal disposition (absent: every fault signal is fatal). */
  readonly signals?: SignalDelivery;
  /** mechanism → variant (defaults filled in). */
  readonly variants: Readonly<Record<string, string>>;
}

/** The key lifetime the `pkru-remove` variant selects; throws for a name this plug-in does not implement. */
export function keyLifetimeOf(variants: Readonly<Record<string, string>>): KeyLifetime {
  const lifetime = KEY_LIFETIMES[(variants['pkru-remove'] ?? 'map-delete') as KeyLifetimeName];
  if (lifetime === undefined) throw new Error(`unknown pkru-remove variant ${variants['pkru-remove']}`);
  return lifetime;
}

export class FreeBsdSystem {
  readonly phys: VmPhys;
  readonly port: MachinePort;
  readonly shootdown: Shootdown;
  readonly kernel: FreeBsdKernel;
  readonly pkru: PkruCallOptions;
  private readonly maps = new Map<Pid, FreeBsdVmMap>();

  constructor(inputs: SystemInputs) {
    const { machine, frameBook, counters, phases, variants } = inputs;
    const lifetime = keyLifetimeOf(variants);
    const quirk = variants['excl-check'] !== 'lookup-lt';
    this.pkru = { pku: true, flush: variants['pkru-update'] !== 'no-invalidate' };
    this.phys = new VmPhys(machine, frameBook);
    this.port = new MachinePort(machine, this.phys, counters);
    this.shootdown = new Shootdown(this.port, counters);
    const phys = this.phys;
    const di = new DelayedInvl(
      machine.frames.count,
      counters,
      (pfn) => phys.freeFrame(0, pfn),
      machine.lease,
    );
    // Objects free user pages through the DI waiter; page-table pages and the allocator API go direct.
    const objects = new VmObjects(
      machine.frames.count,
      {
        allocFrame: (cpu) => phys.allocFrame(cpu),
        freeFrame: (_cpu, pfn) => di.free(pfn),
        charge: (work, n) => counters.add(work, n),
      },
      machine.lease,
    );
    const pmapDeps = { hw: this.port, shootdown: this.shootdown, counters, phases, lifetime, pku: true, di };
    const vmDeps = { objects, lifetime, frameBook, counters, pkru: this.pkru };
    const maps = this.maps;
    this.kernel = new FreeBsdKernel(
      this.port,
      {
        create(pid: Pid): FreeBsdVmMap {
          const pmap = new Amd64Pmap(pid, pmapDeps);
          pmap.pkru.exclAdjacencyQuirk = quirk;
          const map = new FreeBsdVmMap(new Vmspace(pid, pmap, vmDeps));
          maps.set(pid, map);
          return map;
        },
        destroy: (map) => this.port.destroySpace(map.vs.pmap.space),
      },
      (pfn) => machine.directMapVa(pfn),
      (cpu, startPage, endPage) => this.shootdown.kernelRange(cpu, startPage, endPage),
      inputs.signals,
    );
  }

  map(pid: Pid): FreeBsdVmMap | undefined {
    return this.maps.get(pid);
  }

  pmap(pid: Pid): Amd64Pmap | undefined {
    return this.maps.get(pid)?.vs.pmap;
  }
}
