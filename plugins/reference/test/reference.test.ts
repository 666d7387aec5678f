// The reference policy's contracts driven directly (no engine): the costs its one rule implies and
// the invariants it claims, watched by core's monitor.
import 'reflect-metadata';
import {
  FrameTable,
  InvariantMonitor,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  PolicyRegistry,
  Tokens,
  createRegisterContext,
  resolveSelection,
  type Kernel,
  type VmMapTable,
} from '@shootdown/core';
import { createMachine, type Machine } from '@shootdown/mmu';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { register } from '../src/index.js';

function boot(cpus = 4) {
  const registry = new PolicyRegistry();
  register(createRegisterContext(registry));
  const selection = resolveSelection(registry, 'reference');
  const m: Machine = createMachine({ arch: 'x86_64', cpus, memory: '16MiB' });
  const book = new FrameTable(m.frames.count);
  const child = container.createChildContainer();
  child.register(Tokens.Machine, { useValue: m });
  child.register(Tokens.FrameBook, { useValue: book });
  child.register(Tokens.Phases, { useValue: { reach: () => undefined } });
  child.register(Tokens.Counters, {
    useValue: { add: (n: string, d = 1) => m.count(n, d), get: (n: string) => m.counter(n) },
  });
  registry.policy('reference')!.configure(child, selection);
  const kernel = child.resolve<Kernel>(Tokens.Kernel);
  const maps = child.resolve<VmMapTable>(Tokens.VmMap);
  const mon = new InvariantMonitor(m, book, selection.claims, {
    window: () => undefined,
    spaceOf: () => undefined,
  });
  mon.attach();
  const pid = kernel.createProcess(0).pid!;
  for (let c = 0; c < cpus; c++) kernel.run(c, pid);
  return { m, kernel, vm: maps.of(pid)!, mon, selection };
}

describe('reference policy', () => {
  it('claims every invariant but the soft one', () => {
    expect(boot().selection.claims).not.toContain('stale-direct-map');
    expect(boot().selection.claims).toContain('wx-alias');
  });
  it('each shootdown is one IPI to every other CPU (spec linux.md §1.1: on_each_cpu costs C−1)', () => {
    const { m, vm } = boot(8);
    const r = vm.map({ cpu: 0 }, { pages: 4, prot: PROT_READ | PROT_WRITE, flags: ['populate'] });
    const before = m.snapshot();
    vm.unmap({ cpu: 0 }, r.start!, r.start! + 4 * 4096);
    const d = m.delta(before).counters;
    expect(d['kflush']).toBeGreaterThan(0);
    expect(d['ipi']).toBe(d['kflush']! * 7);
    expect(d['full']).toBe(d['kflush']! * 8);
  });
  it('mprotect rw → rx never leaves a writable and an executable translation at once', () => {
    const { vm, mon } = boot();
    const r = vm.map({ cpu: 0 }, { pages: 2, prot: PROT_READ | PROT_WRITE, flags: ['populate'] });
    vm.protect({ cpu: 1 }, r.start!, r.start! + 2 * 4096, PROT_READ | PROT_EXEC);
    mon.operationReturned();
    expect(mon.take()).toEqual([]);
  });
  it('a user fault with no handler kills the process', () => {
    const { kernel } = boot();
    expect(kernel.access(0, 0x1000, 'read', true).outcome).toBe('fault:not-present');
    expect(kernel.processState(kernel.current(0)!)).toBe('killed');
  });
  it('munmap then access from another CPU faults: nothing stale survives the flush', () => {
    const { kernel, vm, mon } = boot();
    const r = vm.map({ cpu: 0 }, { pages: 1, prot: PROT_READ | PROT_WRITE, flags: ['populate'] });
    expect(kernel.access(1, r.start!, 'write', true).outcome).toBe('ok');
    vm.unmap({ cpu: 0 }, r.start!, r.start! + 4096);
    mon.operationReturned();
    expect(mon.take()).toEqual([]);
    expect(kernel.access(1, r.start!, 'read', true).outcome).toBe('fault:not-present');
  });
});
