// `shootdown import casemate` end to end on traces written for these tests in Casemate's format
// (test/fixtures/casemate; the format is rems-project/casemate doc/asciidoc/sections/trace-format.adoc).
// Each fixture's expected verdict follows from the architecture rule it exercises (Arm ARM D8.16.1
// break-before-make, D8.13 TLB maintenance), its `!` line from the Casemate check it would trip
// (src/lib/src/model.c).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';
import { fixturesDir } from './helpers/fixtures.js';

const trace = (name: string): string => join(fixturesDir, 'casemate', `${name}.log`);

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

interface Report {
  traces: {
    name: string;
    status: string;
    expected: string | null;
    violated?: string[];
    agrees?: boolean | null;
    unsupported: string[];
    ignored: string[];
    notRun?: string[];
  }[];
  totals: { traces: number; judged: number; unsupported: number; compared: number; agree: number };
}

describe.concurrent('import casemate', () => {
  it('judges every fixture beside its own "!" line; all that the model can state agree', async () => {
    const names = [
      'el1-ttbr0', // TTBR0_EL1 tree, break + TLBI VMALLE1IS + DSB: holds
      'el2-bbm-clean', // EL2 stage 1: invalid, DSB, TLBI VAE2IS with TTL, DSB, new page: holds
      'el2-bbm-missing-tlbi', // the same without the TLBI: the CPU at EL2 may still hold the old page
      'el2-release-unclean', // a table released while its parent's invalidation is not TLBI'd
      's2-double-use', // one stage-2 table linked at two entries
      's2-valid-to-valid', // a live stage-2 page replaced by another in one store (bare-field form)
      'vttbr-switch-reuse', // VMID switches, IPAS2E1IS/VMALLE1IS/VMALLS12E1IS/ALLE1IS, release + reuse
      'unsupported', // TTBR0_EL2 with an ASID, a 27-bit VTCR_EL2, a level-0 block
    ];
    const r = await runCli(['import', 'casemate', ...names.map(trace), '--json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.traces.map((t) => [t.name, t.status, t.violated ?? null, t.agrees ?? null])).toEqual([
      ['el1-ttbr0', 'judged', [], true],
      ['el2-bbm-clean', 'judged', [], true],
      ['el2-bbm-missing-tlbi', 'judged', ['break-before-make'], true],
      ['el2-release-unclean', 'judged', ['freed-pagetable-walk'], true],
      ['s2-double-use', 'judged', ['double-use'], true],
      ['s2-valid-to-valid', 'judged', ['break-before-make'], true],
      ['vttbr-switch-reuse', 'judged', [], true],
      ['unsupported', 'unsupported', null, null],
    ]);
    expect(rep.traces.every((t) => (t.notRun ?? []).length === 0)).toBe(true);
    expect(rep.traces[7].unsupported).toHaveLength(3);
    expect(rep.totals).toEqual({ traces: 8, judged: 7, unsupported: 1, compared: 7, agree: 7 });
    // ownership hints and locks are listed, never silently dropped
    expect(rep.traces[1].ignored).toContain(
      'lock / trylock / unlock (the lock discipline is not modelled) ×2',
    );
  });

  it("prints the verdict beside the trace's expectation and exits 1 when they disagree", async () => {
    // Casemate assumes any CPU may hold the old stage-2 entry; in this trace no CPU runs the guest, so
    // the model has nothing that could hold it (D8.16.1 needs a holder for the unclean make to matter).
    const r = await runCli(['import', 'casemate', trace('s2-unclean-no-guest')], home);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stdout).toContain('trace expects: ! BBM invalid unclean->valid');
    expect(r.stdout).toContain('raw-mmu:arm64: holds');
    expect(r.stdout).toContain('agreement: no');
    expect(r.stderr).toContain('the trace expects "BBM invalid unclean->valid", judged holds here');
  });

  it('with --guest a CPU runs each loaded VM, as Casemate assumes: the unclean make then breaks BBM', async () => {
    const r = await runCli(
      ['import', 'casemate', '--guest', trace('s2-unclean-no-guest'), trace('vttbr-switch-reuse'), '--json'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.traces.map((t) => [t.name, t.violated, t.agrees])).toEqual([
      ['s2-unclean-no-guest', ['break-before-make'], true],
      ['vttbr-switch-reuse', [], true],
    ]);
  });

  it('writes the scenario with --out, which run then judges the same way', async () => {
    const out = join(home.dir, 'el2-bbm-missing-tlbi.yaml');
    const w = await runCli(['import', 'casemate', trace('el2-bbm-missing-tlbi'), '--out', out], home);
    expect(w.code, describeRun(w)).toBe(0);
    const yaml = readFileSync(out, 'utf8');
    expect(yaml).toContain('op: raw-write');
    expect(yaml).toContain('root: t40000000');
    const r = await runCli(['run', out, '--policy', 'raw-mmu:arm64', '--format', 'json'], home);
    expect(r.code, describeRun(r)).toBe(1);
    const res = JSON.parse(r.stdout) as { violations: { invariant: string }[] };
    expect(res.violations.map((v) => v.invariant)).toEqual(['break-before-make']);
  });

  it.each([
    ['bad-unclosed', "bad-unclosed.log:2:1: this '(' is never closed: expected ')'"],
    ['bad-unknown-event', "bad-unknown-event.log:2:4: unknown event 'mem-copy'"],
    ['bad-tlbi-kind', "bad-tlbi-kind.log:1:22: tlbi: unknown tlbi kind 'vae1is'"],
  ])('%s: exit 2 at file:line:column, nothing written', async (name, message) => {
    const out = join(home.dir, `${name}.yaml`);
    const r = await runCli(['import', 'casemate', trace('el2-bbm-clean'), trace(name), '--out', out], home);
    expect(r.code, describeRun(r)).toBe(2); // --out with two traces is itself bad input
    const one = await runCli(['import', 'casemate', trace(name), '--out', out], home);
    expect(one.code, describeRun(one)).toBe(2);
    expect(one.stderr).toContain(message);
    expect(one.stderr).not.toMatch(/\n\s+at [\w.<>]+ \(/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses --out for an unsupported trace and for several traces, and a missing file, with exit 2', async () => {
    const out = join(home.dir, 'unsupported.yaml');
    const u = await runCli(['import', 'casemate', trace('unsupported'), '--out', out], home);
    expect(u.code, describeRun(u)).toBe(2);
    expect(u.stderr).toContain('unsupported: line 4 (id 3): ttbr0_el2 0x30000000d1000: ASID field 3');
    expect(existsSync(out)).toBe(false);
    const two = await runCli(
      ['import', 'casemate', trace('el1-ttbr0'), trace('el2-bbm-clean'), '--out', out],
      home,
    );
    expect(two.code, describeRun(two)).toBe(2);
    expect(two.stderr).toContain('--out writes one scenario: give one trace, not 2');
    const missing = await runCli(['import', 'casemate', join(home.dir, 'nope.log')], home);
    expect(missing.code, describeRun(missing)).toBe(2);
    expect(missing.stderr).toContain('nope.log: no such file');
  });

  it('has --help with examples', async () => {
    const r = await runCli(['import', 'casemate', '--help'], home);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toContain('import casemate bad_no_bbm.log');
    expect(r.stdout).toContain('--out');
  });
});
