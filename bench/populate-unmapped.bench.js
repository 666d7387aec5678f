// DESIGN §8: populate 1 GiB (262,144 pages) with `unmapped-alloc=gfp-unmapped` on 64 CPUs in under 0.3 s.
// The VMM process runs on CPU 0 and takes every page zeroed and unmapped through the PageAllocator
// contract, as the RFC's guest_memfd populate does (seed 002); the machine and the policy are built the
// way the runner builds them. Time is this process's CPU time for the populate loop alone.
import 'reflect-metadata';
import { container } from 'tsyringe';
import { FrameTable, PolicyRegistry, Tokens, createRegisterContext, resolveSelection } from '@shootdown/core';
import { createMachine } from '@shootdown/mmu';
import { register } from '@shootdown/policy-linux-x86';

/** One cold loop per process: bench/run.js runs this file in three and reports the median. */
export const processes = 3;

const PAGES = 262144;
const FLAGS = ['unmapped', 'zero'];

function build(selection) {
  const registry = new PolicyRegistry();
  register(createRegisterContext(registry));
  const sel = resolveSelection(registry, selection);
  const machine = createMachine({ arch: 'x86_64', cpus: 64, memory: '2GiB' });
  const c = container.createChildContainer();
  c.register(Tokens.Machine, { useValue: machine });
  c.register(Tokens.FrameBook, { useValue: new FrameTable(machine.params.frames) });
  c.register(Tokens.Phases, { useValue: { reach() {} } });
  c.register(Tokens.Counters, {
    useValue: { add: (n, d = 1) => machine.count(n, d), get: (n) => machine.counter(n) },
  });
  c.register(Tokens.Selection, { useValue: sel });
  registry.policy(sel.policy).configure(c, sel);
  const kernel = c.resolve(Tokens.Kernel);
  kernel.run(0, kernel.createProcess(0).pid);
  return { machine, pages: c.resolve(Tokens.PageAllocator) };
}

function cpuSeconds(fn) {
  const t = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
}

export async function run(report) {
  const { machine, pages } = build('linux-x86:unmapped-alloc=gfp-unmapped');
  let failed = 0;
  const s = cpuSeconds(() => {
    for (let i = 0; i < PAGES; i++) if (pages.alloc(0, 0, FLAGS).outcome !== 'ok') failed++;
  });
  if (failed > 0) throw new Error(`populate: ${failed} allocations failed`);
  report('populate 1 GiB unmapped, gfp-unmapped, 64 CPUs', s, ' s', { max: 0.3 });
  report('  of which shootdowns (kflush)', machine.counter('kflush'), '');
  report('  mermap local flushes (lflush)', machine.counter('lflush'), '');
  report('  simulated cost (INVLPG units)', machine.cycles, '');
}
