// Survivable and fatal user faults, one rule for every policy (DESIGN §4; issue 10 defect 8 and "survivable
// faults"): a process declaring a SIGSEGV handler records each fault signal and goes on; a fork child
// inherits the handler (Linux copy_sighand, FreeBSD sigacts_copy); exec drops it (Linux
// flush_signal_handlers, FreeBSD execsigs); without one the process dies and its later steps are skipped.
// si_codes follow arch/x86/mm/fault.c (the reference policy's x86 semantics): a key refusal SEGV_PKUERR with
// the key, a protection failure SEGV_ACCERR, no mapping SEGV_MAPERR.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatScenarioError,
  loadScenarioText,
  runScenario,
  scenarioOptionsFor,
  type PolicyRegistry,
  type RunResult,
} from '../src/index.js';
import { referenceRegistry } from './reference-registry.js';

let registry: PolicyRegistry;
let r: RunResult;

beforeAll(async () => {
  registry = await referenceRegistry();
  const loaded = loadScenarioText(
    readFileSync(new URL('./fixtures/runner/fault-signals.yaml', import.meta.url), 'utf8'),
    'fault-signals.yaml',
    scenarioOptionsFor(registry),
  );
  if (!loaded.ok) throw new Error(loaded.errors.map(formatScenarioError).join('\n'));
  r = runScenario(loaded.scenario, { registry, selection: 'reference' });
});

describe('fault signals', () => {
  it('every expectation holds', () => {
    expect(r.steps.filter((s) => s.expectation?.held === false).map((s) => s.path)).toEqual([]);
  });

  it('a handled key fault records SIGSEGV/SEGV_PKUERR with the entry key, and the process lives on', () => {
    const s = r.steps[5]!;
    expect(s.outcome).toBe('fault:key');
    expect(s.key).toBe(1);
    expect(s.signal).toMatchObject({ signo: 'SIGSEGV', code: 'SEGV_PKUERR', pkey: 1, handled: true });
    expect(r.steps[6]!.outcome).toBe('ok'); // the fork after it ran
  });

  it('the fork child inherits the handler; after exec the first fault kills', () => {
    expect(r.steps[10]!.signal).toMatchObject({ code: 'SEGV_ACCERR', handled: true });
    expect(r.steps[12]!.signal).toMatchObject({ code: 'SEGV_MAPERR', handled: false });
    expect(r.steps[12]!.key).toBeUndefined();
  });

  it("the dead process's later steps are skipped with a note naming the signal; kernel work goes on", () => {
    expect(r.steps[13]!.outcome).toBe('skipped');
    expect(r.steps[14]!.outcome).toBe('skipped'); // run of the dead process
    expect(r.steps[15]!.outcome).toBe('ok'); // kalloc on the same CPU
    expect(
      r.notes.some(
        (n) => n.startsWith('step 13 ') && n.includes('killed by SIGSEGV (SEGV_MAPERR) at step 12'),
      ),
    ).toBe(true);
  });
});

describe('per-selection expectations', () => {
  const text = (expect: string): string =>
    [
      'name: per-selection',
      'machine: { cpus: 1 }',
      'steps:',
      '  - { op: process, id: p }',
      '  - { op: run, process: p }',
      `  - { op: mmap, id: buf, pages: 1, prot: r, expect: ${expect} }`,
    ].join('\n');

  it('an unknown policy, mechanism or variant is a load error at the key, with the registry’s hint', () => {
    const loaded = loadScenarioText(
      text('{ per-selection: { referense: ok, "reference:vfree=x": ok } }'),
      'p.yaml',
      scenarioOptionsFor(registry),
    );
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      "6:72 per-selection: unknown policy 'referense' (did you mean 'reference'?); known: reference, raw-mmu",
      "6:87 per-selection: policy 'reference' has no mechanism 'vfree'; mechanisms: (none)",
    ]);
  });

  it('the most specific matching selection applies, then default, else no expectation', () => {
    const run = (expect: string): RunResult => {
      const loaded = loadScenarioText(text(expect), 'p.yaml', scenarioOptionsFor(registry));
      if (!loaded.ok) throw new Error(loaded.errors.map(formatScenarioError).join('\n'));
      return runScenario(loaded.scenario, { registry, selection: 'reference' });
    };
    expect(run('{ per-selection: { reference: ok, default: error:EINVAL } }').steps[2]!.expectation).toEqual({
      expected: 'ok (reference)',
      held: true,
    });
    expect(
      run('{ per-selection: { raw-mmu:x86_64: ok, default: error:EINVAL } }').steps[2]!.expectation,
    ).toMatchObject({ expected: 'error:EINVAL (default)', held: false });
    expect(run('{ per-selection: { raw-mmu:arm64: ok } }').steps[2]!.expectation).toBeUndefined();
  });
});
