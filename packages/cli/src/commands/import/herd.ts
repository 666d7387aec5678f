import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Args, Flags } from '../../oclif.js';
import { herd } from '@shootdown/engine';
import { checkOutPath, writeFileAtomic } from '../../atomic-write.js';
import { ShootdownCommand } from '../../base-command.js';
import { InputError } from '../../errors.js';
import { parseAll } from '../../import-inputs.js';

/** One test's line of the report (and its JSON). */
export interface HerdTestReport {
  readonly file: string;
  readonly name: string;
  readonly threads: number;
  readonly status: 'judged' | 'unsupported' | 'bounded';
  readonly reasons: readonly string[];
  readonly executions: number;
  readonly verdict?: herd.Verdict;
  readonly positive?: number;
  readonly negative?: number;
  readonly states?: readonly herd.HistogramState[];
  readonly kind?: herd.Verdict;
  readonly agrees?: boolean;
  readonly scenario?: string;
  readonly ms?: number;
}

export interface HerdImportReport {
  readonly tests: readonly HerdTestReport[];
  readonly totals: {
    readonly tests: number;
    readonly judged: number;
    readonly unsupported: number;
    readonly bounded: number;
    readonly withKind: number;
    readonly agree: number;
  };
}

export default class ImportHerd extends ShootdownCommand {
  static override summary =
    'Import herd7 AArch64 VMSA litmus tests: run them on the MMU and judge their condition.';
  static override description =
    'Each test is parsed (initial state with PTE(x)/PA(x), per-thread code: LDR/STR/SWP, MOV and ALU, CSEL/CSET, ' +
    'CMP and branches, DMB/DSB/ISB, TLBI with its register; the exists / ~exists / forall condition with ' +
    "fault(...) atoms), every interleaving that keeps each thread's program order is run under the " +
    'adversarial TLB model with onConflict: either (an access a stale entry may serve is run with the old ' +
    "and with the new entry), and the final states are collected like herd7's histogram: Allowed when some " +
    'execution satisfies the condition, Forbidden when none does, Required when all do (forall). What a ' +
    'test uses that the MMU does not model is reported "unsupported: <what>", never guessed. The MMU is ' +
    'sequentially consistent (DESIGN §4): a verdict herd7 gets only by reordering shows here as Forbidden; ' +
    "the one relaxation modelled is herd7's without ETS2: a walk may read an entry a thread has just made " +
    "valid as the invalid one it was, until an ISB of the walking thread, or another thread's TLBI and then a " +
    'barrier of the walking thread, orders the store before it (--variant ETS2 turns it off). ' +
    'An argument @file is a herd index (one test path per line, relative to it). --kinds compares with a ' +
    "herd -kinds file (exit 1 on any disagreement); --scenarios writes each judged test's witness (or first) " +
    'execution as a raw-mmu:arm64 scenario. A malformed test, unknown instruction or bad kinds file is ' +
    'exit 2 with file:line:column, and nothing is written. A .litmus file is also accepted by run and ' +
    'compare.';
  static override examples = [
    '<%= config.bin %> import herd coW-TLBI-W.litmus',
    '<%= config.bin %> import herd @tests/@all --kinds tests/kinds.txt',
    '<%= config.bin %> import herd tests/*.litmus --scenarios out/ --states',
    '<%= config.bin %> import herd MP.litmus --json',
    '<%= config.bin %> run coW-TLBI-W.litmus --policy raw-mmu:arm64',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({
      description: 'Litmus files (.litmus) or herd index files (@index).',
      required: true,
    }),
  };
  static override flags = {
    kinds: Flags.string({ summary: 'A herd -kinds file: <test> Allowed|Forbidden|Required per line.' }),
    scenarios: Flags.string({
      summary: 'Write each judged test as <dir>/<name>.yaml (a raw-mmu:arm64 scenario).',
    }),
    states: Flags.boolean({ summary: "Print each test's final states (herd7's histogram)." }),
    'max-executions': Flags.integer({
      summary: 'Enumerate at most this many executions per test.',
      default: herd.DEFAULT_MAX_EXECUTIONS,
      min: 1,
    }),
    timing: Flags.boolean({ summary: 'Print the CPU time each test took (not deterministic).' }),
    variant: Flags.string({
      summary: "herd7 variants for every test, comma-separated, as herd7's -variant (ETS2, fatal, …).",
      description:
        "ETS2 (or ETS3): FEAT_ETS2 orders a translation fault after the thread's earlier accesses; the importer " +
        "then lets no walk miss a store (compare with the catalogue's VMSA-ETS2-kinds.txt). Without it a walk " +
        'may read an entry as the invalid one it was before a store until an ISB of its thread, or another ' +
        "thread's TLBI and then a barrier of its own, orders the store before it (kinds.txt). Added to each " +
        "test's own Variant line.",
    }),
  };

  async run(): Promise<HerdImportReport> {
    const { argv, flags } = await this.parse(ImportHerd);
    if (flags.scenarios !== undefined) checkDir(flags.scenarios);
    const files: string[] = [];
    for (const arg of argv as string[]) {
      try {
        files.push(...herd.expandLitmusArgument(arg));
      } catch (e) {
        if (e instanceof herd.IndexError) throw new InputError(`${e.file}: ${e.message}`);
        throw e;
      }
    }
    const kinds = flags.kinds === undefined ? null : readKinds(flags.kinds);
    const variants = (flags.variant ?? '').split(',').map((v) => v.trim());
    for (const v of variants)
      if (v !== '' && !herd.KNOWN_VARIANTS.includes(v.toLowerCase()))
        throw new InputError(
          `--variant ${v}: not a herd7 variant the importer reads (${herd.KNOWN_VARIANTS.join(', ')})`,
        );

    // every file parses before anything runs or is written
    const tests = parseAll(files, parseLitmusAt, (e) => (e instanceof LitmusAt ? e.message : null));

    const reports: HerdTestReport[] = [];
    const written = new Map<string, string>();
    for (const test of tests) {
      const t0 = process.cpuUsage();
      const r = herd.judgeLitmus(test, flags['max-executions'], variants);
      const used = process.cpuUsage(t0);
      const j = r.judgement;
      const kind = kinds?.get(test.name);
      const report: HerdTestReport = {
        file: test.file,
        name: test.name,
        threads: test.threads.length,
        status: r.status,
        reasons: r.reasons,
        executions: r.executions,
        ...(j === null
          ? {}
          : {
              verdict: j.verdict,
              positive: j.positive,
              negative: j.negative,
              ...(flags.states ? { states: j.states } : {}),
            }),
        ...(kind === undefined ? {} : { kind }),
        ...(kind !== undefined && j !== null ? { agrees: herd.agrees(kind, j) } : {}),
        ...(flags.timing ? { ms: Math.round((used.user + used.system) / 100) / 10 } : {}),
      };
      if (r.scenario !== null && flags.scenarios !== undefined) {
        let name = r.scenario.slice(6, r.scenario.indexOf('\n'));
        while (written.has(`${name}.yaml`)) name += '-2';
        written.set(`${name}.yaml`, r.scenario);
        reports.push({ ...report, scenario: join(flags.scenarios, `${name}.yaml`) });
      } else reports.push(report);
    }
    if (flags.scenarios !== undefined) {
      mkdirSync(flags.scenarios, { recursive: true });
      for (const [name, text] of written) writeFileAtomic(join(flags.scenarios, name), text, '--scenarios');
    }
    const judged = reports.filter((r) => r.status === 'judged');
    const withKind = reports.filter((r) => r.agrees !== undefined);
    const totals = {
      tests: reports.length,
      judged: judged.length,
      unsupported: reports.filter((r) => r.status === 'unsupported').length,
      bounded: reports.filter((r) => r.status === 'bounded').length,
      withKind: withKind.length,
      agree: withKind.filter((r) => r.agrees === true).length,
    };
    if (!this.jsonEnabled()) this.stdoutText(renderText(reports, totals, kinds !== null));
    for (const r of withKind) {
      if (r.agrees === false) this.reportFinding(`${r.name}: herd7 kind ${r.kind}, judged ${r.verdict} here`);
    }
    return { tests: reports, totals };
  }
}

/** A litmus syntax error named by its file: `file:line:column: what`. */
class LitmusAt extends Error {}

function parseLitmusAt(text: string, shown: string): herd.LitmusTest {
  try {
    return herd.parseLitmus(text, shown);
  } catch (e) {
    if (e instanceof herd.LitmusSyntaxError)
      throw new LitmusAt(`${shown}:${e.pos.line}:${e.pos.column}: ${e.message}`);
    throw e;
  }
}

function checkDir(dir: string): void {
  try {
    checkOutPath(join(dir, 'x.yaml'), '--scenarios');
  } catch (e) {
    if (e instanceof InputError)
      throw new InputError(`--scenarios ${dir}: not a folder shootdown can write into`);
    throw e;
  }
}

function readKinds(path: string): Map<string, herd.Verdict> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`--kinds ${path}: cannot read the file`);
  }
  try {
    return herd.parseKinds(text);
  } catch (e) {
    if (e instanceof herd.LitmusSyntaxError)
      throw new InputError(`${path}:${e.pos.line}:${e.pos.column}: ${e.message}`);
    throw e;
  }
}

function renderText(
  reports: readonly HerdTestReport[],
  totals: HerdImportReport['totals'],
  withKinds: boolean,
): string {
  const lines: string[] = [];
  const width = Math.min(48, Math.max(4, ...reports.map((r) => r.name.length)));
  for (const r of reports) {
    const name = r.name.padEnd(width);
    const time = r.ms === undefined ? '' : `  ${r.ms} ms`;
    if (r.status !== 'judged') {
      const what =
        r.status === 'unsupported'
          ? `unsupported: ${r.reasons.join('; ')}`
          : `bounded: ${r.reasons.join('; ')}`;
      lines.push(`${name}  ${what}${time}`);
      continue;
    }
    const kind = r.kind === undefined ? '' : `  herd7 ${r.kind}: ${r.agrees === true ? 'agrees' : 'DIFFERS'}`;
    lines.push(
      `${name}  ${r.verdict!.padEnd(9)}  ${r.executions} executions, ${r.positive} satisfy${kind}${time}`,
    );
    for (const s of r.states ?? [])
      lines.push(`    ${String(s.executions).padStart(6)} ${s.satisfies ? '*>' : ':>'} ${s.state}`);
    if (r.scenario !== undefined) lines.push(`    scenario: ${r.scenario}`);
  }
  const agree = withKinds ? `, ${totals.withKind} with a kind, ${totals.agree} agree` : '';
  lines.push(
    `${totals.tests} tests: ${totals.judged} judged, ${totals.unsupported} unsupported, ${totals.bounded} over the bound${agree}`,
  );
  return lines.join('\n');
}
