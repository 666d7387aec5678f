// Boots the freebsd-amd64 policy the way the runner does — registry, selection, a child container with the
// machine, frame book and counters, then `configure` — and hands back core's contracts. No engine involved.
import 'reflect-metadata';
import { container } from 'tsyringe';
import {
  FrameTable,
  PolicyRegistry,
  Tokens,
  createRegisterContext,
  resolveSelection,
  type Counters,
  type Kernel,
  type OpReport,
  type PhaseHook,
  type PmapTable,
  type SignalDelivery,
  type VmMap,
  type VmMapTable,
} from '@shootdown/core';
import { createMachine, type Machine, type MachineParamsInput } from '@shootdown/mmu';
import { register, SYSTEM_TOKEN, type FreeBsdSystem } from '../src/index.js';

export interface World {
  readonly m: Machine;
  readonly kernel: Kernel;
  readonly maps: VmMapTable;
  readonly pmaps: PmapTable;
  readonly counters: Counters;
  readonly sys: FreeBsdSystem;
  readonly book: FrameTable;
}

export function boot(
  selection = 'freebsd-amd64',
  machine: MachineParamsInput = {},
  phases?: PhaseHook,
  signals?: SignalDelivery,
): World {
  const registry = new PolicyRegistry();
  register(createRegisterContext(registry));
  const sel = resolveSelection(registry, selection);
  const m = createMachine({ arch: 'x86_64', cpus: 2, memory: '16MiB', tlb: 'adversarial', ...machine });
  const book = new FrameTable(m.frames.count);
  const counters: Counters = { add: (n, d = 1) => m.count(n, d), get: (n) => m.counter(n) };
  const c = container.createChildContainer();
  c.register(Tokens.Machine, { useValue: m });
  c.register(Tokens.FrameBook, { useValue: book });
  c.register(Tokens.Counters, { useValue: counters });
  c.register(Tokens.Selection, { useValue: sel });
  if (phases !== undefined) c.register(Tokens.Phases, { useValue: phases });
  if (signals !== undefined) c.register(Tokens.Signals, { useValue: signals });
  const policy = registry.policy('freebsd-amd64');
  if (policy === undefined) throw new Error('policy not registered');
  policy.configure(c, sel);
  return {
    m,
    kernel: c.resolve(Tokens.Kernel),
    maps: c.resolve(Tokens.VmMap),
    pmaps: c.resolve(Tokens.Pmap),
    counters,
    sys: c.resolve<FreeBsdSystem>(SYSTEM_TOKEN),
    book,
  };
}

export const PAGE = 4096;

/** The VmMap of the process running on `cpu`. */
export function mapOn(w: World, cpu: number): VmMap {
  const pid = w.kernel.current(cpu);
  const map = pid === null ? undefined : w.maps.of(pid);
  if (map === undefined) throw new Error(`no process on cpu ${cpu}`);
  return map;
}

export function ok(r: OpReport): OpReport {
  if (r.outcome !== 'ok') throw new Error(`expected ok, got ${r.outcome}`);
  return r;
}

/** The common opening of spec §9.1: one process, thread O on cpu 0 (allows K), thread T on cpu 1 (denies K). */
export function keyedHeap(
  w: World,
  opts: { pages?: number; populate?: boolean; key?: number; persist?: boolean } = {},
): { pid: number; start: number; end: number } {
  const pages = opts.pages ?? 4;
  const key = opts.key ?? 1;
  const pid = w.kernel.createProcess(0).pid as number;
  ok(w.kernel.run(0, pid));
  ok(w.kernel.run(1, pid));
  const map = mapOn(w, 0);
  const r = map.map({ cpu: 0 }, { pages, prot: 3, flags: opts.populate === false ? [] : ['populate'] });
  const start = r.start as number;
  const end = start + pages * PAGE;
  ok(map.assignKey({ cpu: 0 }, start, end, key, opts.persist === true ? ['persist'] : []));
  ok(w.kernel.setKeyRights(1, key, 0));
  return { pid, start, end };
}

/** A user read by the thread on `cpu`. */
export function read(w: World, cpu: number, va: number): string {
  return w.kernel.access(cpu, va, 'read', true).outcome;
}
