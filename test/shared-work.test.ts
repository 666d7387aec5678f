// Shared work (spec linux.md §7.4, DESIGN §2 "Costs and events"): every policy charges the work every
// variant shares — a system call's entry, a user fault, handing out a page, zeroing or copying one — at the
// same points, so the same OS-neutral scenario charges the same shared work under every policy.
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import { SHARED_WORK, type PolicyRegistry } from '@shootdown/core';
import { formatScenarioError, loadScenarioText, runScenario } from '@shootdown/engine';
import { beforeAll, describe, expect, it } from 'vitest';

let registry: PolicyRegistry;
beforeAll(async () => {
  registry = (await loadRegistryLikeCli({ userPlugins: false })).registry;
});

// A process maps four pages and writes them (four demand-zero faults), changes and drops the mapping, and
// the kernel hands out two zeroed pages: 4 system calls, 4 faults, 6 pages handed out, 6 zeroed.
const SCENARIO = `name: shared-work
description: The same work under every policy.
machine: { cpus: 2, memory: 64MiB, tlb: adversarial }
steps:
  - { op: process, id: p }
  - { op: run, cpu: 0, process: p }
  - { op: mmap, cpu: 0, id: heap, pages: 4, prot: rw }
  - { op: access, cpu: 0, region: heap, page: 0, pages: 4, kind: write }
  - { op: mprotect, cpu: 0, region: heap, prot: r }
  - { op: page-alloc, id: buf, pages: 2, flags: [zero] }
  - { op: munmap, cpu: 0, region: heap }
  - { op: key-alloc, cpu: 0, id: k }
`;

const POLICIES = ['linux-x86', 'freebsd-amd64', 'arm64-pkey', 'reference'];

function sharedWork(selection: string): Record<string, number> {
  const loaded = loadScenarioText(SCENARIO, 'shared-work.yaml', loadOptionsFor(registry));
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => formatScenarioError(e)).join('\n'));
  const r = runScenario(loaded.scenario, { registry, selection });
  const out: Record<string, number> = {};
  for (const w of SHARED_WORK) out[w] = r.totals.counters[w] ?? 0;
  return out;
}

describe('shared work (spec linux.md §7.4)', () => {
  it.each(POLICIES)('%s charges the scenario’s shared work at the same points', (policy) => {
    expect(sharedWork(policy)).toEqual({ syscall: 4, fault: 4, page_alloc: 6, zero_page: 6, copy_page: 0 });
  });
});
