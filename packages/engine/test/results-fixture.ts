// Hand-built results of DESIGN §4's example scenario (vfree-exec-reuse) under three selections, for the
// comparison and renderer tests. The story follows spec linux.md: before VM_FLUSH_RESET_PERMS
// (module-free-pre52) a stale executable vmalloc alias survives vfree, so the reused frame is writable
// through the direct map while a CPU may still execute it (wx-alias, stale-exec-alias); with the merged
// flag one flush covers both aliases. FreeBSD has no such flag: it is reported ignored, never dropped
// silently (DESIGN §4 semantics rules). The numbers are illustrative, chosen to exercise the renderers.
import type { RunResult, StepResult } from '../src/result/index.js';

const machine = { arch: 'x86_64', cpus: 4, memory: '64MiB', tlb: 'adversarial' } as const;

// The labels `describeStep` gives the scenario's steps (checked in describe.test.ts).
const LABELS: Record<string, string> = {
  '0': 'kalloc mod 4p [reset-perms]',
  '1': 'kprotect mod rx',
  '2': 'access mod[0] exec',
  '3': 'kfree mod',
  '4': 'page-alloc reuse 4p reuse mod',
  '5': 'access mod[0] exec',
};

function step(
  path: string,
  op: string,
  line: number,
  cpu: number,
  rest: Partial<StepResult> = {},
): StepResult {
  return {
    path,
    op,
    label: LABELS[path]!,
    line,
    cpu,
    outcome: 'ok',
    cycles: 0,
    latency: 0,
    counters: {},
    ...rest,
  };
}

/**
 * The six steps of a run whose kfree flush reaches CPU 2 (the fetch after reuse faults): steps 2, 4 and 5
 * are the same under every such selection, only what the kalloc, kprotect and kfree cost differs.
 */
function flushedSteps(
  kalloc: Partial<StepResult>,
  kprotect: Partial<StepResult>,
  kfree: Partial<StepResult>,
): StepResult[] {
  return [
    step('0', 'kalloc', 6, 0, kalloc),
    step('1', 'kprotect', 7, 0, kprotect),
    step('2', 'access', 8, 2, {
      expectation: { expected: 'ok', held: true },
      cycles: 40,
      latency: 40,
      counters: { walk: 1, fill: 1 },
    }),
    step('3', 'kfree', 9, 0, kfree),
    step('4', 'page-alloc', 10, 0, { cycles: 900, latency: 900 }),
    step('5', 'access', 11, 2, {
      outcome: 'fault:not-present',
      expectation: { expected: 'fault:not-present', held: true },
      cycles: 60,
      latency: 60,
      counters: { walk: 1 },
    }),
  ];
}

export const upstream: RunResult = {
  scenario: 'vfree-exec-reuse',
  selection: 'linux-x86',
  policy: 'linux-x86',
  variants: { vfree: 'vm-flush-reset-perms', 'unmapped-alloc': 'none' },
  machine,
  tlb: 'adversarial',
  params: { pages: 4 },
  steps: flushedSteps(
    { cycles: 1200, latency: 400, counters: { ptalloc: 1 } },
    { cycles: 5400, latency: 1800, counters: { kflush: 1, ipi: 3, invlpg: 16 } },
    { cycles: 7300, latency: 2433, counters: { kflush: 1, ipi: 3, invlpg: 32 } },
  ),
  totals: {
    cycles: 14900,
    latency: 5633,
    counters: { kflush: 2, ipi: 6, invlpg: 48, ptalloc: 1, walk: 2, fill: 1 },
    expectationsFailed: 0,
    findings: 0,
    unsupported: 0,
  },
  violations: [],
  notes: [],
};

export const pre52: RunResult = {
  ...upstream,
  selection: 'linux-x86:vfree=module-free-pre52',
  variants: { vfree: 'module-free-pre52', 'unmapped-alloc': 'none' },
  steps: [
    upstream.steps[0],
    upstream.steps[1],
    upstream.steps[2],
    step('3', 'kfree', 9, 0, { cycles: 2100, latency: 700, counters: { kflush: 1, ipi: 3 } }),
    step('4', 'page-alloc', 10, 0, { cycles: 900, latency: 900 }),
    step('5', 'access', 11, 2, {
      outcome: 'ok-stale',
      expectation: {
        expected: 'fault:not-present',
        held: false,
        detail: 'a stale executable TLB entry on CPU 2 served the fetch',
      },
      cycles: 4,
      latency: 4,
    }),
  ],
  totals: {
    cycles: 9644,
    latency: 3844,
    counters: { kflush: 2, ipi: 6, invlpg: 16, ptalloc: 1, walk: 1, fill: 1 },
    expectationsFailed: 1,
    findings: 2,
    unsupported: 0,
  },
  violations: [
    {
      invariant: 'stale-exec-alias',
      claimed: true,
      step: '4',
      cpu: 2,
      address: 0xc90000001000,
      frame: 4100,
      explanation: 'CPU 2 may hold an executable entry for frame 4100, freed and reallocated',
    },
    {
      invariant: 'wx-alias',
      claimed: true,
      step: '4',
      cpu: 2,
      address: 0x888001004000,
      frame: 4100,
      explanation:
        'frame 4100 is writable through the direct map and executable through a stale vmalloc entry',
    },
  ],
  notes: ['the lazy vmap purge did not run before the reuse'],
};

export const freebsd: RunResult = {
  scenario: 'vfree-exec-reuse',
  selection: 'freebsd-amd64',
  policy: 'freebsd-amd64',
  variants: { 'pkru-remove': 'remove-clears-all' },
  machine,
  tlb: 'adversarial',
  params: { pages: 4 },
  steps: flushedSteps(
    { ignored: ['reset-perms'], cycles: 1100, latency: 366, counters: { ptalloc: 1 } },
    { cycles: 5200, latency: 1733, counters: { kflush: 1, ipi: 3, invlpg: 16 } },
    { cycles: 5000, latency: 1666, counters: { kflush: 1, ipi: 3, invlpg: 4 } },
  ),
  totals: {
    cycles: 12300,
    latency: 4765,
    counters: { kflush: 2, ipi: 6, invlpg: 20, ptalloc: 1, walk: 2, fill: 1 },
    expectationsFailed: 0,
    findings: 0,
    unsupported: 0,
  },
  violations: [
    {
      invariant: 'stale-direct-map',
      claimed: false,
      step: '1',
      cpu: 1,
      address: null,
      frame: 4100,
      explanation: 'CPU 1 holds a direct-map entry less permissive than the current one',
    },
  ],
  notes: [],
};

export const results: readonly RunResult[] = [upstream, pre52, freebsd];
