import { Args, Flags } from '../../oclif.js';
import { PolicyRegistry } from '@shootdown/core';
import { casemate, formatScenarioError, loadScenarioText, runScenario } from '@shootdown/engine';
import { checkOutPath, writeFileAtomic } from '../../atomic-write.js';
import { ShootdownCommand } from '../../base-command.js';
import { InputError } from '../../errors.js';
import { parseAll, shownPath } from '../../import-inputs.js';

/** One trace's line of the report (and its JSON). */
export interface CasemateTraceReport {
  readonly file: string;
  readonly name: string;
  readonly records: number;
  readonly status: 'judged' | 'unsupported';
  /** `unsupported: <what>` reasons; empty when judged. */
  readonly unsupported: readonly string[];
  /** Records left out, with why and how often. */
  readonly ignored: readonly string[];
  readonly notes: readonly string[];
  /** The trace's own `!` line, or null. */
  readonly expected: string | null;
  /** Our invariants that broke (raw-mmu:arm64, every invariant judged). */
  readonly violated?: readonly string[];
  /** Steps that did not run (`skipped`, `unsupported`) with their reason, `<step>: <outcome>`. */
  readonly notRun?: readonly string[];
  /** yes / no, or null when the `!` line is a rule of Casemate's protocol the model does not have. */
  readonly agrees?: boolean | null;
  readonly why?: string;
  readonly scenario?: string;
}

export interface CasemateImportReport {
  readonly traces: readonly CasemateTraceReport[];
  readonly totals: {
    readonly traces: number;
    readonly judged: number;
    readonly unsupported: number;
    /** Judged traces whose expectation the model can state (not a protocol-only rule). */
    readonly compared: number;
    readonly agree: number;
  };
}

export default class ImportCasemate extends ShootdownCommand {
  static override summary =
    'Import Casemate traces: replay them on the MMU and judge them beside their own "!" line.';
  static override description =
    "Each trace (rems-project/casemate's s-expression format: mem-init, mem-write, mem-read, mem-set, " +
    'mem-free, barrier, tlbi, sysreg-write, hint, lock/trylock/unlock, and the optional final "! <violation>" ' +
    'line) becomes a hardware-level scenario: page tables at their physical addresses, each mem-write into ' +
    'one a raw-write decoded as an arm64 descriptor (stage 1 or stage 2 by the tree it is in), VTTBR_EL2 / ' +
    'TTBR0_EL2 writes a context at EL2, TTBR0_EL1 a set-root, release_table and mem-free a table-free, a ' +
    'mem-init of a freed table a table-alloc reuse. Ownership hints and locks are not modelled: they are ' +
    'listed as ignored. What the model cannot state is "unsupported: <what>" and the trace is not run. ' +
    'The scenario runs under raw-mmu:arm64 (every invariant judged) and the verdict is compared with the ' +
    "trace's expectation: a BBM message with break-before-make, double-use pte and a root loaded under a " +
    'second ID with double-use, duplicate ' +
    '(VM/AS)ID with duplicate-id, an unclean release with freed-pagetable-walk; a trace with no "!" line ' +
    'agrees when none of those broke. Lock and ownership messages are not compared. Exit 1 when a ' +
    'compared trace disagrees. --out writes the scenario (one trace) instead of running it. A trace that ' +
    'does not parse or names an unknown event is exit 2 with file:line:column, and nothing is written.';
  static override examples = [
    '<%= config.bin %> import casemate bad_no_bbm.log',
    '<%= config.bin %> import casemate traces/*.log --json',
    '<%= config.bin %> import casemate bad_bbm_missing_tlbi.log --guest',
    '<%= config.bin %> import casemate good_bbm.log --out good-bbm.yaml',
    '<%= config.bin %> run good-bbm.yaml --policy raw-mmu:arm64',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({ description: 'Casemate trace files.', required: true }),
  };
  static override flags = {
    guest: Flags.boolean({
      summary: 'Add a CPU that runs every VM whose VTTBR_EL2 the trace loads (what Casemate assumes).',
      description:
        'A trace shows the hypervisor only; Casemate assumes other CPUs may hold any valid stage-2 ' +
        'entry. With --guest one more CPU enters each loaded VM as a guest, so under the adversarial TLB ' +
        'it may hold everything the VM reaches. Without it only the trace threads translate (at EL2).',
    }),
    out: Flags.string({
      char: 'o',
      summary: 'Write the scenario (YAML) of the one trace given to this file instead of running it.',
    }),
  };

  async run(): Promise<CasemateImportReport> {
    const { argv, flags } = await this.parse(ImportCasemate);
    const files = argv as string[];
    if (flags.out !== undefined && files.length !== 1)
      throw new InputError(`--out writes one scenario: give one trace, not ${files.length}`);
    if (flags.out !== undefined) checkOutPath(flags.out);

    // every trace parses before anything runs or is written
    const imports = parseAll(
      files,
      (text, shown) => casemate.importCasemate(text, shown, { guest: flags.guest }),
      (e) => (e instanceof casemate.CasemateTraceError ? e.message : null),
    );

    if (flags.out !== undefined) {
      const imp = imports[0]!;
      if (imp.yaml === null) {
        for (const u of imp.imported.unsupported) this.stderrLine(`unsupported: ${u}`);
        throw new InputError(
          `${shownPath(files[0]!)}: the trace uses what the model does not state; nothing written`,
        );
      }
      const report = reportOf(imp, shownPath(files[0]!));
      writeFileAtomic(flags.out, imp.yaml);
      if (!this.jsonEnabled()) this.stdoutText(renderText([report], null));
      return { traces: [{ ...report, scenario: flags.out }], totals: totalsOf([report]) };
    }

    const registry = new PolicyRegistry();
    const reports = imports.map((imp, i) => {
      const base = reportOf(imp, shownPath(files[i]!));
      if (imp.yaml === null) return base;
      const loaded = loadScenarioText(imp.yaml, `${imp.name}.yaml`);
      // The importer writes only what the language states; a scenario it cannot load is a bug (exit 3).
      if (!loaded.ok)
        throw new Error(`import casemate: ${loaded.errors.map(formatScenarioError).join('; ')}`);
      const r = runScenario(loaded.scenario, { registry, selection: 'raw-mmu:arm64' });
      const violated = [...new Set(r.violations.filter((v) => v.claimed).map((v) => v.invariant))].sort();
      const notRun = r.steps
        .filter((s) => s.outcome === 'skipped' || s.outcome === 'unsupported')
        .map((s) => `${s.path} ${s.label ?? s.op}: ${s.outcome}`);
      const agrees = casemate.agrees(imp.expected, violated);
      const why = imp.expected.kind === 'protocol' ? imp.expected.why : undefined;
      return { ...base, violated, notRun, agrees, ...(why === undefined ? {} : { why }) };
    });
    const totals = totalsOf(reports);
    if (!this.jsonEnabled()) this.stdoutText(renderText(reports, totals));
    for (const r of reports)
      if (r.agrees === false)
        this.reportFinding(
          `${r.file}: the trace expects ${r.expected === null ? 'no violation' : `"${r.expected}"`}, judged ${verdictText(r.violated ?? [])} here`,
        );
    return { traces: reports, totals };
  }
}

function reportOf(imp: casemate.CasemateImport, file: string): CasemateTraceReport {
  return {
    file,
    name: imp.name,
    records: imp.records,
    status: imp.yaml === null ? 'unsupported' : 'judged',
    unsupported: imp.imported.unsupported,
    ignored: imp.imported.ignored,
    notes: imp.imported.notes,
    expected: imp.bang?.text ?? null,
  };
}

function totalsOf(reports: readonly CasemateTraceReport[]): CasemateImportReport['totals'] {
  const judged = reports.filter((r) => r.status === 'judged');
  const compared = judged.filter((r) => r.agrees === true || r.agrees === false);
  return {
    traces: reports.length,
    judged: judged.length,
    unsupported: reports.length - judged.length,
    compared: compared.length,
    agree: compared.filter((r) => r.agrees === true).length,
  };
}

function verdictText(violated: readonly string[]): string {
  return violated.length === 0 ? 'holds' : `violates ${violated.join(',')}`;
}

function renderText(
  reports: readonly CasemateTraceReport[],
  totals: CasemateImportReport['totals'] | null,
): string {
  const out: string[] = [];
  for (const r of reports) {
    out.push(`${r.file} (${r.records} records)`);
    out.push(`  trace expects: ${r.expected === null ? 'no violation' : `! ${r.expected}`}`);
    for (const u of r.unsupported) out.push(`  unsupported: ${u}`);
    if (r.violated !== undefined) {
      out.push(`  raw-mmu:arm64: ${verdictText(r.violated)}`);
      const outside = r.violated.filter((v) => !casemate.CASEMATE_SCOPE.includes(v));
      if (outside.length > 0)
        out.push(`    (${outside.join(', ')}: judged by the model only, not by Casemate)`);
      out.push(`  agreement: ${r.agrees === null ? `not compared (${r.why})` : r.agrees ? 'yes' : 'no'}`);
    }
    for (const s of r.notRun ?? []) out.push(`  not run: step ${s}`);
    for (const i of r.ignored) out.push(`  ignored: ${i}`);
    for (const n of r.notes) out.push(`  note: ${n}`);
  }
  if (totals !== null && reports.length > 1)
    out.push(
      `${totals.traces} traces: ${totals.judged} judged, ${totals.unsupported} unsupported; ` +
        `${totals.agree} of ${totals.compared} compared agree`,
    );
  return out.join('\n');
}
