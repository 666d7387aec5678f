import { Args, Flags } from '../oclif.js';
import { SWEEP_FORMATS, SweepError, sweepOverrides, type Scenario, type SweepSpec } from '@shootdown/engine';
import { checkOutPath, writeFileAtomic } from '../atomic-write.js';
import { InputError } from '../errors.js';
import { checkFormat, installPluginRenderers } from '../formats.js';
import { MatrixReportCommand, type CompareOutput } from '../matrix-report.js';
import { runMatrixOn, startMatrixPool } from '../parallel-matrix.js';
import { checkOnlyFlag, onlyFlag } from '../report-options.js';
import { limitFlags, runLimits } from '../run-limits.js';
import { runErrorsOf } from '../run-matrix.js';
import { loadOptionsFor, loadScenarios, type LoadedScenario } from '../scenario-input.js';
import { selectionsFromFlags } from '../selections.js';
import { loadExpectFlag } from '../verdicts.js';
import { parseSetFlags, type ParamOverrides } from '../set-flags.js';
import { pairsOfShard, parseShardFlag, shardFlag, type ShardSpec } from '../shard-flag.js';
import { runIdentity, shardResultsText } from '../shard-results.js';
import { parseSweepFlag } from '../sweep-flag.js';
import { checkTracePath, traceFlag, writeTrace } from '../trace-flag.js';
import { checkWriteExpectFlag, writeExpectFlag, writeExpectFile } from '../write-expect-flag.js';
import type { LoadReport, ResolvedSelection } from '@shootdown/core';
import type { LoadedRegistry } from '../load-plugins.js';

export type { CompareOutput } from '../matrix-report.js';

type CompareFlags = Parameters<typeof runLimits>[0] & {
  format: string;
  out?: string;
  expect?: string;
  jobs?: number;
  trace?: string;
  only?: string;
  'write-expect'?: string;
};

export default class Compare extends MatrixReportCommand {
  static override summary = 'Run scenarios under several policy selections and lay the results side by side.';
  static override description =
    'One column per selection: step outcomes, counters, cycles and the invariants that broke; the first ' +
    'step where the outcomes diverge is marked. Exit 1 when a claimed invariant broke or an expectation ' +
    'failed — or, with --expect, exactly when a run disagrees with the verdict file.';
  static override examples = [
    '<%= config.bin %> compare vfree-exec-reuse --vary linux-x86:vfree',
    '<%= config.bin %> compare vfree-exec-reuse --policy linux-x86 --policy linux-x86:vfree=module-free-pre52 --format markdown',
    '<%= config.bin %> compare vfree-exec-reuse arch-vunmap-33-pages --vary linux-x86:vfree --expect vmalloc-perms',
    '<%= config.bin %> compare vfree-exec-reuse arch-vunmap-33-pages --vary linux-x86:vfree --jobs 1',
    '<%= config.bin %> compare vfree-exec-reuse --vary linux-x86:vfree --trace vfree.trace.json',
    '<%= config.bin %> compare populate-unmapped --vary linux-x86:unmapped-alloc --sweep cpus=2,4,8,16,32,64,128,256',
    '<%= config.bin %> compare populate-unmapped --vary linux-x86:unmapped-alloc --sweep pages=256,512,1024 --format html --out sweep.html',
    '<%= config.bin %> compare vfree-exec-reuse arch-vunmap-33-pages --vary linux-x86:vfree --expect vmalloc-perms --shard 2/4 --out shard-2.json',
  ];
  static override strict = false;
  static override args = {
    scenario: Args.string({ description: 'Scenario files or catalogue names.', required: true }),
  };
  static override flags = {
    policy: Flags.string({
      char: 'p',
      multiple: true,
      summary: 'A selection: policy or policy:mechanism=variant,… (repeatable).',
    }),
    vary: Flags.string({
      multiple: true,
      summary: 'policy:mechanism — one column per variant of that mechanism (repeatable).',
    }),
    expect: Flags.string({
      summary: 'Verdict file (or catalogue topic) the runs must match.',
    }),
    set: Flags.string({ multiple: true, summary: 'Override a scenario parameter: name=value (repeatable).' }),
    sweep: Flags.string({
      multiple: true,
      summary:
        'Run once per value of a scenario parameter, name=v1,v2,…, and show latency and work totals per value (one scenario, one --sweep).',
    }),
    format: Flags.string({
      char: 'f',
      default: 'table',
      summary: "table, text, markdown, json, ktap, html, or a plug-in's format",
    }),
    out: Flags.string({ char: 'o', summary: 'Write the report to this file (only when the runs complete).' }),
    jobs: Flags.integer({
      char: 'j',
      min: 1,
      summary: 'Worker threads for the runs (default: one per core).',
    }),
    ...traceFlag,
    ...onlyFlag,
    ...shardFlag,
    ...writeExpectFlag,
    ...limitFlags,
  };

  async run(): Promise<CompareOutput> {
    const { argv, flags } = await this.parse(Compare);
    const set = parseSetFlags(flags.set);
    const sweep = parseSweepFlag(flags.sweep);
    const shard = parseShardFlag(flags.shard);
    if (shard !== undefined) checkShardFlags(flags);
    if (flags.out !== undefined) checkOutPath(flags.out);
    checkTracePath(flags.trace);
    const { registry, plugins, report } = await this.loadPlugins();
    installPluginRenderers(registry);
    checkFormat(flags.format);
    checkOnlyFlag(flags);
    checkWriteExpectFlag(flags);
    if ((flags.policy?.length ?? 0) + (flags.vary?.length ?? 0) === 0) {
      throw new InputError('compare needs selections: --policy A --policy B … or --vary policy:mechanism');
    }
    const selections = selectionsFromFlags(registry, flags.policy, flags.vary);
    if (sweep !== undefined)
      return this.runSweep(
        { registry, plugins, report },
        argv as string[],
        sweep,
        set,
        selections,
        flags,
        shard,
      );
    const verdictFile = flags.expect === undefined ? undefined : await loadExpectFlag(flags.expect);
    // The workers start loading the plug-ins now, while this thread loads and checks the scenarios.
    const pool = startMatrixPool(
      argv.length * selections.length,
      plugins.map((p) => p.root),
      flags.jobs,
      runLimits(flags),
    );
    // The HTML report draws each run's timeline from its recording.
    const trace = flags.trace !== undefined || flags.format === 'html';
    let matrix;
    try {
      const scenarios = await loadScenarios(argv as string[], loadOptionsFor(registry, set));
      if (shard !== undefined) {
        return await this.runShard(pool, report, scenarios, selections, shard, flags, { set, trace });
      }
      matrix = await runMatrixOn(pool, scenarios, selections, { trace });
    } finally {
      await pool.close();
    }
    const { results } = matrix;
    if (flags.trace !== undefined) writeTrace(flags.trace, matrix.traces ?? []);
    // --write-expect first, so that the report (--format json as --json) can say it was written
    let wroteExpect: string | undefined;
    const writeExpect = flags['write-expect'];
    if (writeExpect !== undefined) {
      const done = results.flat();
      const failed = done.filter((r) => r.error !== undefined).length;
      if (failed > 0) {
        // nothing partial: the runs that did not complete have no verdict (exit 3 follows)
        this.stderrLine(`--write-expect ${writeExpect}: not written: ${failed} runs did not complete`);
      } else {
        writeExpectFile(writeExpect, results);
        wroteExpect = writeExpect;
        if (!this.jsonEnabled()) this.stderrLine(`verdicts: ${done.length} runs written to ${writeExpect}`);
      }
    }
    const { all: _all, ...output } = this.reportMatrix(
      results,
      matrix.traces,
      report,
      verdictFile,
      flags,
      wroteExpect === undefined ? {} : { wroteExpect },
    );
    return output;
  }

  /**
   * `--shard i/n`: only this shard's pairs, written as a results file to --out. The verdicts, findings and
   * report are the merge's: a shard exits 0 when its runs completed (3 when one did not), so every shard
   * of a CI matrix finishes and the merge job decides.
   */
  private async runShard(
    pool: ReturnType<typeof startMatrixPool>,
    loadReport: LoadReport,
    scenarios: readonly LoadedScenario[],
    selections: readonly ResolvedSelection[],
    shard: ShardSpec,
    flags: CompareFlags,
    run: { set: ParamOverrides; trace: boolean; sweep?: SweepSpec },
  ): Promise<CompareOutput> {
    const list: Scenario[] = scenarios.map((s) => s.scenario);
    const identity = runIdentity(
      {
        version: this.config.version,
        set: run.set,
        ...(run.sweep === undefined ? {} : { sweep: run.sweep }),
        ...(flags.expect === undefined ? {} : { expect: flags.expect }),
        format: flags.format,
        ...(flags.only === undefined ? {} : { only: flags.only }),
        trace: run.trace,
      },
      list,
      selections,
    );
    const pairs = pairsOfShard(identity.pairs, shard);
    const done = await pool.runSome(scenarios, selections, pairs, { trace: run.trace });
    for (const e of runErrorsOf(
      done.map((d) => d.result),
      loadReport,
    ))
      this.reportRunError(e);
    const file = flags.out!;
    writeFileAtomic(file, shardResultsText(identity, shard, done));
    if (!this.jsonEnabled() && file !== '-') {
      this.stderrLine(
        `shard ${shard.index}/${shard.count}: ${done.length} of ${identity.pairs} runs written to ${file}`,
      );
    }
    return {
      comparisons: [],
      shard: { index: shard.index, count: shard.count, file, pairs: done.length },
    };
  }

  /** `--sweep`: every value's scenario is loaded and checked first, then all the runs go to one pool. */
  private async runSweep(
    { plugins, registry, report }: LoadedRegistry,
    argv: readonly string[],
    spec: SweepSpec,
    set: ParamOverrides,
    selections: readonly ResolvedSelection[],
    flags: CompareFlags,
    shard: ShardSpec | undefined,
  ): Promise<CompareOutput> {
    if (argv.length !== 1) throw new InputError(`--sweep runs one scenario; got ${argv.length}`);
    if (flags.trace !== undefined) throw new InputError('--sweep and --trace cannot be combined');
    if (flags.expect !== undefined) throw new InputError('--sweep and --expect cannot be combined');
    if (!(SWEEP_FORMATS as readonly string[]).includes(flags.format)) {
      throw new InputError(`--sweep draws ${SWEEP_FORMATS.join(', ')}; not --format ${flags.format}`);
    }
    let overrides: Record<string, unknown>[];
    try {
      overrides = sweepOverrides(spec, set);
    } catch (e) {
      if (e instanceof SweepError) throw new InputError(e.message);
      throw e;
    }
    const scenarios = [];
    for (const o of overrides) scenarios.push(...(await loadScenarios(argv, loadOptionsFor(registry, o))));
    const pool = startMatrixPool(
      scenarios.length * selections.length,
      plugins.map((p) => p.root),
      flags.jobs,
      runLimits(flags),
    );
    let matrix;
    try {
      if (shard !== undefined) {
        return await this.runShard(pool, report, scenarios, selections, shard, flags, {
          set,
          trace: false,
          sweep: spec,
        });
      }
      matrix = await runMatrixOn(pool, scenarios, selections);
    } finally {
      await pool.close();
    }
    return this.reportSweep(spec, matrix.results, report, flags);
  }
}

/** What a shard cannot do: it writes a results file, so it needs --out and writes no trace or verdict file. */
function checkShardFlags(flags: {
  out?: string;
  trace?: string;
  'write-expect'?: string;
  shard?: string;
}): void {
  if (flags.out === undefined) {
    throw new InputError(
      `--shard ${flags.shard}: needs --out FILE for the shard's results file (- for stdout)`,
    );
  }
  if (flags.trace !== undefined) {
    throw new InputError(
      '--shard and --trace cannot be combined: run the scenarios you want traced unsharded',
    );
  }
  if (flags['write-expect'] !== undefined) {
    throw new InputError('--shard and --write-expect cannot be combined: write the verdict file unsharded');
  }
}
