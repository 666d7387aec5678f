// `munmap` `regions: [a, b]`: one munmap(2) over the span several whole regions cover (Linux do_vmi_munmap
// → unmap_region, mm/vma.c; FreeBSD vm_map_delete, sys/vm/vm_map.c) — loader checks and the run.
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatScenarioError, loadScenarioText, runScenario, type PolicyRegistry } from '../src/index.js';
import { referenceRegistry } from './reference-registry.js';

const head = `name: span
description: one munmap over several regions
machine: { cpus: 2, memory: 64MiB }
steps:
  - { op: process, id: p, handlers: [SIGSEGV] }
  - { op: run, cpu: 0, process: p }
`;

function load(steps: string) {
  return loadScenarioText(head + steps, 'span.yaml');
}

function errors(steps: string): string[] {
  const r = load(steps);
  return r.ok ? [] : r.errors.map(formatScenarioError);
}

let registry: PolicyRegistry;
beforeAll(async () => {
  registry = await referenceRegistry();
});

describe('munmap regions: loading', () => {
  it('resolves to one span step and frees every listed region', () => {
    const r = load(`  - { op: mmap, cpu: 0, id: a, pages: 2 }
  - { op: mmap, cpu: 0, id: b, pages: 2 }
  - { op: munmap, cpu: 0, regions: [a, b] }
`);
    if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
    expect(r.scenario.steps[4]).toMatchObject({
      op: 'munmap',
      range: { kind: 'regions', regions: ['a', 'b'] },
    });
    expect(
      errors(`  - { op: mmap, cpu: 0, id: a, pages: 2 }
  - { op: mmap, cpu: 0, id: b, pages: 2 }
  - { op: munmap, cpu: 0, regions: [a, b] }
  - { op: munmap, cpu: 0, region: b }
`),
    ).toEqual([expect.stringMatching(/^span\.yaml:10:\d+: .*region "b" is already freed at line 9/)]);
  });

  it('refuses regions of two address spaces with file:line:column', () => {
    const e = errors(`  - { op: process, id: q }
  - { op: run, cpu: 1, process: q }
  - { op: mmap, cpu: 0, id: a, pages: 2 }
  - { op: mmap, cpu: 1, id: b, pages: 2 }
  - { op: munmap, cpu: 0, regions: [a, b] }
`);
    expect(e).toEqual([
      expect.stringMatching(
        /^span\.yaml:11:\d+: region "b" was mapped by process "q", but "a" by "p": one munmap acts on one address space/,
      ),
    ]);
  });

  it('refuses region and regions together, a region listed twice, and a kernel region', () => {
    expect(
      errors(`  - { op: mmap, cpu: 0, id: a, pages: 2 }
  - { op: mmap, cpu: 0, id: b, pages: 2 }
  - { op: munmap, cpu: 0, region: a, regions: [a, b] }
`).join('\n'),
    ).toMatch(/munmap takes either regions or region\/page\/pages/);
    expect(
      errors(`  - { op: mmap, cpu: 0, id: a, pages: 2 }
  - { op: munmap, cpu: 0, regions: [a, a] }
`).join('\n'),
    ).toMatch(/region "a" is listed twice/);
    expect(
      errors(`  - { op: mmap, cpu: 0, id: a, pages: 2 }
  - { op: kalloc, id: k, pages: 1 }
  - { op: munmap, cpu: 0, regions: [a, k] }
`).join('\n'),
    ).toMatch(/munmap needs a region from mmap/);
  });
});

describe('munmap regions: the run (reference policy)', () => {
  it('unmaps the whole span, a mapping in the hole between the regions included, as munmap(2) does', () => {
    const r = load(`  - { op: mmap, cpu: 0, id: a, pages: 2, addr: '0x400000', flags: [fixed, populate] }
  - { op: mmap, cpu: 0, id: mid, pages: 1, addr: '0x403000', flags: [fixed, populate] }
  - { op: mmap, cpu: 0, id: b, pages: 2, addr: '0x405000', flags: [fixed, populate] }
  - { op: munmap, cpu: 0, regions: [b, a], expect: ok }
  - { op: access, cpu: 0, region: a, kind: read, expect: fault }
  - { op: access, cpu: 0, region: mid, kind: read, expect: fault }
  - { op: access, cpu: 0, region: b, page: 1, kind: read, expect: fault }
`);
    if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
    const run = runScenario(r.scenario, { registry, selection: 'reference' });
    expect(run.steps.map((s) => [s.op, s.outcome, s.expectation?.held])).toEqual([
      ['process', 'ok', undefined],
      ['run', 'ok', undefined],
      ['mmap', 'ok', undefined],
      ['mmap', 'ok', undefined],
      ['mmap', 'ok', undefined],
      ['munmap', 'ok', true],
      ['access', 'fault:not-present', true],
      ['access', 'fault:not-present', true],
      ['access', 'fault:not-present', true],
    ]);
  });
});
