import { Args, Flags } from '../oclif.js';
import { getRenderer, SWEEP_FORMATS } from '@shootdown/engine';
import { checkOutPath } from '../atomic-write.js';
import { InputError } from '../errors.js';
import { checkFormat, installPluginRenderers } from '../formats.js';
import { MatrixReportCommand, rowsOf, type CompareOutput } from '../matrix-report.js';
import { checkOnlyFlag, onlyFlag } from '../report-options.js';
import { reportExplore, type ExploreOutput } from '../explore/report.js';
import { isExploreShard, mergeExploreShards } from '../explore/shard.js';
import { mergeShards, readJsonFile } from '../shard-results.js';
import { loadExpectFlag } from '../verdicts.js';

export default class Merge extends MatrixReportCommand {
  static override summary =
    'Combine the results files of `compare --shard i/n` or `explore --shard i/n` into the whole run’s output.';
  static override description =
    'Takes the results file of every shard of one run (in any order) and prints exactly what the unsharded ' +
    '`compare` prints — report, findings, verdicts and exit code — or, for explore shards, what the ' +
    'unsharded `explore` prints: the first scenario of the seed that diverged, shrunk (--out writes it). ' +
    'The report format, --only and --expect default to what the shards were run with. Shards of different ' +
    'runs, a missing or a repeated shard, or a file that is not a results file are bad input (exit 2).';
  static override examples = [
    '<%= config.bin %> compare vfree-exec-reuse arch-vunmap-33-pages --vary linux-x86:vfree --shard 1/2 --out s1.json',
    '<%= config.bin %> compare vfree-exec-reuse arch-vunmap-33-pages --vary linux-x86:vfree --shard 2/2 --out s2.json',
    '<%= config.bin %> merge s1.json s2.json',
    '<%= config.bin %> merge shards/*.json --format markdown --out report.md',
    '<%= config.bin %> merge shards/*.json --expect vmalloc-perms',
    '<%= config.bin %> merge explore-shard-*.json --out found.yaml',
  ];
  static override strict = false;
  static override args = {
    files: Args.string({ description: 'The results files, one per shard.', required: true }),
  };
  static override flags = {
    format: Flags.string({
      char: 'f',
      summary: "table, text, markdown, json, ktap, html, or a plug-in's format (default: the shards')",
    }),
    out: Flags.string({ char: 'o', summary: 'Write the report to this file.' }),
    expect: Flags.string({
      summary: 'Verdict file (or catalogue topic) the runs must match (default: the shards’ --expect).',
    }),
    ...onlyFlag,
  };

  async run(): Promise<CompareOutput | ExploreOutput> {
    const { argv, flags } = await this.parse(Merge);
    if (flags.out !== undefined) checkOutPath(flags.out);
    const files = argv as string[];
    if (files.length > 0) {
      const docs = files.map((file) => ({ file, doc: readJsonFile(file) }));
      if (isExploreShard(docs[0]!.doc)) {
        for (const f of ['format', 'expect', 'only'] as const) {
          if (flags[f] !== undefined) throw new InputError(`--${f} is compare's; these are explore shards`);
        }
        return reportExplore(mergeExploreShards(docs), flags.out, this.io);
      }
    }
    const { run, results, traces } = mergeShards(files);
    const format = flags.format ?? run.format;
    const only = flags.only ?? run.only;
    const expect = flags.expect ?? run.expect;
    const { registry, report } = await this.loadPlugins();
    if (getRenderer(format) === undefined) installPluginRenderers(registry);
    const reportFlags = {
      format,
      ...(flags.out === undefined ? {} : { out: flags.out }),
      ...(only === undefined ? {} : { only }),
    };
    const rows = rowsOf(results, run.selections.length);
    if (run.sweep !== undefined) {
      if (expect !== undefined) throw new InputError('--sweep and --expect cannot be combined');
      if (!(SWEEP_FORMATS as readonly string[]).includes(format)) {
        throw new InputError(`--sweep draws ${SWEEP_FORMATS.join(', ')}; not --format ${format}`);
      }
      return this.reportSweep(run.sweep, rows, report, reportFlags);
    }
    checkFormat(format);
    checkOnlyFlag({ ...reportFlags });
    if (format === 'html' && !run.trace) {
      throw new InputError(
        '--format html draws each run from its recording, which these shards did not keep: run them with --format html',
      );
    }
    const verdictFile = expect === undefined ? undefined : await loadExpectFlag(expect);
    const { all: _all, ...output } = this.reportMatrix(
      rows,
      run.trace ? rowsOf(traces, run.selections.length) : undefined,
      report,
      verdictFile,
      reportFlags,
    );
    return output;
  }
}
