import { Args, Flags } from '../oclif.js';
import { canonicalResult, renderBreakdown, serializeResult, type RunResult } from '@shootdown/engine';
import { checkOutPath, writeFileAtomic } from '../atomic-write.js';
import { ShootdownCommand } from '../base-command.js';
import { checkBreakdownFormat, checkBreakdownStep } from '../breakdown-flag.js';
import { checkFormat, installPluginRenderers, renderComparisons } from '../formats.js';
import { startMatrixPool } from '../parallel-matrix.js';
import { renderOptionsFor } from '../report-options.js';
import { mayRunHere, runHere } from '../run-here.js';
import { limitFlags, runLimits } from '../run-limits.js';
import { findingsOf, runErrorsOf } from '../run-matrix.js';
import { loadOptionsFor, loadScenarios } from '../scenario-input.js';
import { selectionsFromFlags } from '../selections.js';
import { parseSetFlags } from '../set-flags.js';
import { checkTracePath, traceFlag, writeTrace } from '../trace-flag.js';

export default class Run extends ShootdownCommand {
  static override summary = 'Run one scenario under one policy selection.';
  static override description =
    'Prints every step with its outcome, counters, cycles and the invariants that broke. --format json ' +
    'prints the result itself (schemas/result.schema.json), byte-identical for the same inputs. Exit 1 ' +
    'when a claimed invariant broke or an expectation failed. --breakdown <step> prints instead that ' +
    "step's latency and work by event kind (weight, count, count on the latency path, contributions) " +
    'and by CPU (initiator, targets); with --format json the result carries it as `breakdown`.';
  static override examples = [
    '<%= config.bin %> run vfree-exec-reuse --policy linux-x86',
    '<%= config.bin %> run vfree-exec-reuse --policy linux-x86:vfree=module-free-pre52 --set pages=64',
    '<%= config.bin %> run my-scenario.yaml --policy freebsd-amd64 --format json --out result.json',
    '<%= config.bin %> run vfree-exec-reuse --policy linux-x86 --trace vfree.trace.json',
    '<%= config.bin %> run populate-unmapped --policy linux-x86 --breakdown 4 --set pages=4',
    '<%= config.bin %> run vfree-exec-reuse --policy linux-x86 --breakdown 3 --format json',
  ];
  static override args = {
    scenario: Args.string({ description: 'A scenario file or a catalogue name.', required: true }),
  };
  static override flags = {
    policy: Flags.string({
      char: 'p',
      required: true,
      summary: 'The selection: policy or policy:mechanism=variant,…',
    }),
    set: Flags.string({ multiple: true, summary: 'Override a scenario parameter: name=value (repeatable).' }),
    format: Flags.string({
      char: 'f',
      default: 'table',
      summary: "table, text, markdown, json, ktap, html, or a plug-in's format",
    }),
    out: Flags.string({ char: 'o', summary: 'Write the report to this file (only when the run completes).' }),
    ...traceFlag,
    breakdown: Flags.string({
      summary: "Break one step's latency and work down by event kind and by CPU.",
      description:
        'The step is named by its path, as results print it: "4", "3#2.0" (repeat 3, iteration 2, body ' +
        'step 0), "5.op" (an interleave\'s operation). Formats: table, text, markdown, json.',
    }),
    ...limitFlags,
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags, metadata } = await this.parse(Run);
    const set = parseSetFlags(flags.set);
    if (flags.out !== undefined) checkOutPath(flags.out);
    checkTracePath(flags.trace);
    const { registry, plugins, report } = await this.loadPlugins();
    installPluginRenderers(registry);
    checkFormat(flags.format);
    if (flags.breakdown !== undefined) checkBreakdownFormat(flags.format);
    const selections = selectionsFromFlags(registry, [flags.policy], []);
    const limits = runLimits(flags);
    // the run is contained: on this thread when only the CLI's own plug-ins are loaded and no heap cap was
    // asked for (run-here.ts), otherwise on a worker thread under --timeout and --max-memory (run-limits.ts)
    const here = mayRunHere(plugins, limits, metadata.flags['max-memory']?.setFromDefault !== true);
    const pool = here
      ? undefined
      : startMatrixPool(
          1,
          plugins.map((p) => p.root),
          1,
          limits,
        );
    let matrix;
    try {
      const scenarios = await loadScenarios([args.scenario], loadOptionsFor(registry, set));
      const breakdown =
        flags.breakdown === undefined
          ? undefined
          : checkBreakdownStep(scenarios[0]!.scenario, flags.breakdown);
      // The HTML report draws the run's timeline from its recording.
      const trace = flags.trace !== undefined || flags.format === 'html';
      const options = { trace, ...(breakdown === undefined ? {} : { breakdown }) };
      matrix =
        pool === undefined
          ? runHere(registry, scenarios[0]!.scenario, selections[0]!, limits, options)
          : await pool.run(scenarios, selections, options);
    } finally {
      await pool?.close();
    }
    const { results, comparisons } = matrix;
    const result: RunResult = results[0][0];
    if (flags.trace !== undefined) writeTrace(flags.trace, matrix.traces ?? []);
    for (const f of findingsOf([result])) this.reportFinding(f);
    for (const e of runErrorsOf([result], report)) this.reportRunError(e);

    if (!this.jsonEnabled() || flags.out !== undefined) {
      // A single run's JSON is the result itself, not a one-column comparison.
      const text =
        flags.format === 'json'
          ? serializeResult(result)
          : result.breakdown !== undefined
            ? renderBreakdown(result, result.breakdown, flags.format)!
            : renderComparisons(comparisons, flags.format, {
                ...renderOptionsFor(flags),
                traces: matrix.traces,
              });
      if (flags.out !== undefined) writeFileAtomic(flags.out, text);
      else this.stdoutText(text);
    }
    return canonicalResult(result);
  }
}
