import { Args, Flags } from '@oclif/core';
import {
  checkVerdicts,
  renderSweep,
  SWEEP_FORMATS,
  SweepError,
  sweepOverrides,
  sweepResult,
  type Comparison,
  type SweepResult,
  type SweepSpec,
  type VerdictMismatch,
} from '@shootdown/engine';
import { checkOutPath, writeFileAtomic } from '../atomic-write.js';
import { ShootdownCommand } from '../base-command.js';
import { InputError } from '../errors.js';
import { checkFormat, installPluginRenderers, renderComparisons } from '../formats.js';
import { runMatrixOn, startMatrixPool } from '../parallel-matrix.js';
import { checkOnlyFlag, onlyFlag, renderOptionsFor } from '../report-options.js';
import { limitFlags, runLimits } from '../run-limits.js';
import { findingsOf, runErrorsOf } from '../run-matrix.js';
import { loadOptionsFor, loadScenarios } from '../scenario-input.js';
import { selectionsFromFlags } from '../selections.js';
import { loadExpectFlag } from '../verdicts.js';
import { parseSetFlags, type ParamOverrides } from '../set-flags.js';
import { parseSweepFlag } from '../sweep-flag.js';
import { checkTracePath, traceFlag, writeTrace } from '../trace-flag.js';
import { checkWriteExpectFlag, writeExpectFlag, writeExpectFile } from '../write-expect-flag.js';
import type { ResolvedSelection } from '@shootdown/core';
import type { LoadedRegistry } from '../load-plugins.js';

export interface CompareOutput {
  readonly comparisons: readonly Comparison[];
  /** Present with --sweep (then `comparisons` is empty). */
  readonly sweep?: SweepResult;
  /** Present with --write-expect: the verdict file written. */
  readonly wroteExpect?: string;
  /** Present with --expect. */
  readonly verdicts?: {
    readonly file: string;
    readonly checked: number;
    readonly mismatches: readonly VerdictMismatch[];
  };
}

export default class Compare extends ShootdownCommand {
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
    ...writeExpectFlag,
    ...limitFlags,
  };

  async run(): Promise<CompareOutput> {
    const { argv, flags } = await this.parse(Compare);
    const set = parseSetFlags(flags.set);
    const sweep = parseSweepFlag(flags.sweep);
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
      return this.runSweep({ registry, plugins, report }, argv as string[], sweep, set, selections, flags);
    const verdictFile = flags.expect === undefined ? undefined : await loadExpectFlag(flags.expect);
    // The workers start loading the plug-ins now, while this thread loads and checks the scenarios.
    const pool = startMatrixPool(
      argv.length * selections.length,
      plugins.map((p) => p.root),
      flags.jobs,
      runLimits(flags),
    );
    let matrix;
    try {
      const scenarios = await loadScenarios(argv as string[], loadOptionsFor(registry, set));
      // The HTML report draws each run's timeline from its recording.
      const trace = flags.trace !== undefined || flags.format === 'html';
      matrix = await runMatrixOn(pool, scenarios, selections, { trace });
    } finally {
      await pool.close();
    }
    const { results, comparisons } = matrix;
    if (flags.trace !== undefined) writeTrace(flags.trace, matrix.traces ?? []);
    const all = results.flat();
    for (const e of runErrorsOf(all, report)) this.reportRunError(e);
    const output: CompareOutput = { comparisons };
    let mismatches: VerdictMismatch[] = [];
    if (verdictFile !== undefined) {
      mismatches = checkVerdicts(all, verdictFile);
      (output as { verdicts?: CompareOutput['verdicts'] }).verdicts = {
        file: verdictFile.file,
        checked: all.length,
        mismatches,
      };
      for (const m of mismatches) this.reportFinding(m.message);
      if (!this.jsonEnabled()) {
        this.stderrLine(
          `verdicts: ${all.length - mismatches.length} of ${all.length} runs match ${verdictFile.file}`,
        );
      }
    } else {
      for (const f of findingsOf(all)) this.reportFinding(f);
    }
    const writeExpect = flags['write-expect'];
    if (writeExpect !== undefined) {
      const failed = all.filter((r) => r.error !== undefined).length;
      if (failed > 0) {
        // nothing partial: the runs that did not complete have no verdict (exit 3 follows)
        this.stderrLine(`--write-expect ${writeExpect}: not written: ${failed} runs did not complete`);
      } else {
        writeExpectFile(writeExpect, results);
        (output as { wroteExpect?: string }).wroteExpect = writeExpect;
        if (!this.jsonEnabled()) this.stderrLine(`verdicts: ${all.length} runs written to ${writeExpect}`);
      }
    }

    if (!this.jsonEnabled() || flags.out !== undefined) {
      const text = renderComparisons(comparisons, flags.format, {
        ...renderOptionsFor(flags),
        // KTAP passes a selection exactly when its run matches the verdict file (the exit code's rule)
        ...(verdictFile === undefined ? {} : { verdicts: { file: verdictFile, mismatches } }),
        traces: matrix.traces,
      });
      if (flags.out !== undefined) writeFileAtomic(flags.out, text);
      else this.stdoutText(text);
    }
    return output;
  }

  /** `--sweep`: every value's scenario is loaded and checked first, then all the runs go to one pool. */
  private async runSweep(
    { plugins, registry, report }: LoadedRegistry,
    argv: readonly string[],
    spec: SweepSpec,
    set: ParamOverrides,
    selections: readonly ResolvedSelection[],
    flags: Parameters<typeof runLimits>[0] & {
      format: string;
      out?: string;
      expect?: string;
      jobs?: number;
      trace?: string;
    },
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
      matrix = await runMatrixOn(pool, scenarios, selections);
    } finally {
      await pool.close();
    }
    const all = matrix.results.flat();
    for (const e of runErrorsOf(all, report)) this.reportRunError(e);
    for (const f of findingsOf(all)) this.reportFinding(f);
    const result = sweepResult(spec, matrix.results);
    if (!this.jsonEnabled() || flags.out !== undefined) {
      const text = renderSweep(result, flags.format) ?? '';
      if (flags.out !== undefined) writeFileAtomic(flags.out, text);
      else this.stdoutText(text);
    }
    return { comparisons: [], sweep: result };
  }
}
