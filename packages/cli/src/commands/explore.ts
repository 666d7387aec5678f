import { Flags } from '../oclif.js';
import { loadSchemas } from '@shootdown/schemas';
import { checkOutPath, writeFileAtomic } from '../atomic-write.js';
import { ShootdownCommand } from '../base-command.js';
import { InputError } from '../errors.js';
import { reportExplore, type ExploreOutput, type ExploreStop } from '../explore/report.js';
import { exploreIdentity, exploreShardText } from '../explore/shard.js';
import { containedReproducer, documentYaml } from '../minimize/reproduce.js';
import type { SignatureMode } from '../minimize/signature.js';
import { limitFlags, runLimits } from '../run-limits.js';
import { runErrorsOf } from '../run-matrix.js';
import { loadOptionsFor } from '../scenario-input.js';
import { selectionsFromFlags } from '../selections.js';
import { parseShardFlag, shardFlag } from '../shard-flag.js';

export type { ExploreOutput } from '../explore/report.js';

export default class Explore extends ShootdownCommand {
  static override summary =
    'Generate random scenarios until the selections diverge, then shrink the first one found.';
  static override description =
    'fast-check arbitraries over the scenario language’s OS-neutral ops — kernel memory (kalloc, kprotect, ' +
    'kfree, page-alloc), a process’s memory (mmap, mprotect, munmap, madvise-dontneed, swapout, fork, ' +
    'context switches), protection keys (key-alloc, key-free, key-assign, set-key-rights), accesses and ' +
    'uaccess, and interleave (an mmu_gather user stopped at cleared, unlinked or flushed while another CPU ' +
    'runs what its locks allow) — built so every reference is valid: regions that exist, CPUs in range, a ' +
    'process ' +
    'running on every CPU. Each scenario runs under the selections, contained like compare’s runs ' +
    '(--timeout, --max-memory, worker threads); the first whose outcomes or claimed invariant findings ' +
    'differ (with one selection: where a claimed invariant breaks) is shrunk by fast-check and written as a ' +
    'scenario that validates and reproduces with `compare` (exit 1). A scenario whose run does not complete ' +
    'stops the search too: it is written as drawn and the run named, as compare names it (exit 3). ' +
    'Deterministic for a seed and --runs (--time stops by the clock instead, and is not). --shard i/n runs ' +
    'every n-th of the seed’s scenarios and writes a results file; `shootdown merge` prints what the ' +
    'unsharded run prints.';
  static override examples = [
    '<%= config.bin %> explore --policy linux-x86 --policy linux-x86:vfree=module-free-pre52 --seed 1 --out found.yaml',
    '<%= config.bin %> explore --policy freebsd-amd64:pkru-remove=original --policy freebsd-amd64:pkru-remove=swapout-fix --runs 2000',
    '<%= config.bin %> explore --policy linux-x86:vfree=vfree-skip-flush --time 60 --json',
    '<%= config.bin %> explore --policy linux-x86 --policy linux-x86:tlb-flush=generic-split --only findings',
    '<%= config.bin %> explore --policy linux-x86 --policy linux-x86:vfree=vfree-lazy-noreset --runs 4000 --shard 3/4 --out shard-3.json',
  ];
  static override flags = {
    policy: Flags.string({
      char: 'p',
      multiple: true,
      required: true,
      summary:
        'A selection (repeatable): two or more to find a divergence, one to find a broken claimed invariant.',
    }),
    seed: Flags.integer({
      default: 1,
      summary: 'The generator’s seed: the same seed and --runs, the same result.',
    }),
    runs: Flags.integer({ min: 1, default: 1000, summary: 'Scenarios to try.' }),
    time: Flags.integer({ min: 1, summary: 'Stop after this many seconds instead (not deterministic).' }),
    'max-steps': Flags.integer({
      min: 1,
      max: 64,
      default: 12,
      summary: 'Ops per generated scenario, at most.',
    }),
    only: Flags.string({
      options: ['findings', 'outcomes'],
      summary: 'Count only differing claimed-invariant findings, or only differing step outcomes.',
    }),
    'cost-ratio': Flags.string({
      summary: 'Count a divergence also when one selection’s work exceeds another’s by this factor (e.g. 4).',
    }),
    out: Flags.string({
      char: 'o',
      summary: 'Write the shrunk scenario here (default: stdout); with --shard, the results file.',
    }),
    jobs: Flags.integer({
      char: 'j',
      min: 1,
      summary: 'Worker threads for the runs (default: one per core, at most one per selection).',
    }),
    ...shardFlag,
    ...limitFlags,
  };

  async run(): Promise<ExploreOutput> {
    const { flags } = await this.parse(Explore);
    const shard = parseShardFlag(flags.shard);
    if (shard !== undefined) {
      if (flags.out === undefined) {
        throw new InputError(
          `--shard ${flags.shard}: needs --out FILE for the shard's results file (- for stdout)`,
        );
      }
      if (flags.time !== undefined) {
        throw new InputError(
          '--shard and --time cannot be combined: a shard covers a share of --runs scenarios',
        );
      }
    }
    if (flags.out !== undefined) checkOutPath(flags.out);
    const ratio = flags['cost-ratio'] === undefined ? undefined : Number(flags['cost-ratio']);
    if (ratio !== undefined && !(Number.isFinite(ratio) && ratio > 1)) {
      throw new InputError(`--cost-ratio ${flags['cost-ratio']}: expected a number above 1, e.g. 4`);
    }
    const { registry, plugins, report } = await this.loadPlugins();
    const selections = selectionsFromFlags(registry, flags.policy, undefined);
    const mode: SignatureMode = (flags.only as SignatureMode | undefined) ?? 'all';
    if (mode === 'outcomes' && selections.length < 2) {
      throw new InputError('--only outcomes compares selections: give two or more --policy');
    }
    // fast-check and the generator load only when explore runs (start-up of the other commands)
    const fc = (await import('fast-check')).default;
    const { buildScenario, draftArbitrary, vocabularyFromSchema } =
      await import('../explore/scenario-arbitrary.js');
    const { search } = await import('../explore/search.js');
    const vocabulary = vocabularyFromSchema(loadSchemas()['scenario.schema.json'] as Record<string, unknown>);
    const name = `explored-seed-${flags.seed}`;
    const texts = selections.map((s) => s.text);
    const { check, close } = containedReproducer(
      plugins.map((p) => p.root),
      selections,
      { jobs: flags.jobs, limits: runLimits(flags) },
      loadOptionsFor(registry),
      `${name}.yaml`,
      mode,
      ratio,
    );
    const build = (draft: Parameters<typeof buildScenario>[0]): Record<string, unknown> =>
      buildScenario(draft, vocabulary, name);
    let found;
    let stop: ExploreStop | undefined;
    try {
      found = await search(fc, draftArbitrary(flags['max-steps']), build, check, {
        seed: flags.seed,
        runs: flags.runs,
        mode,
        ...(flags.time === undefined ? {} : { time: flags.time }),
        ...(shard === undefined ? {} : { shard }),
        ...(ratio === undefined ? {} : { costRatio: ratio }),
      });
      const s = found.stop;
      if (s !== undefined) {
        const doc = build(s.draft);
        const steps = (doc['steps'] as unknown[]).length;
        const by = `Found by shootdown explore --seed ${flags.seed} under ${texts.join(', ')}`;
        if (s.kind === 'divergence') {
          const sig = (await check.signature(doc))!;
          doc['description'] = `${by}: ${sig.text}`;
          stop = {
            kind: 'divergence',
            scenario: s.scenario,
            signature: sig.text,
            shrinks: s.shrinks,
            steps,
            yaml: documentYaml(doc),
          };
        } else {
          doc['description'] = `${by}: a run did not complete`;
          const runErrors = runErrorsOf(s.results, report);
          stop = { kind: 'run-error', scenario: s.scenario, runErrors, steps, yaml: documentYaml(doc) };
        }
      }
    } finally {
      await close();
    }
    const outcome = {
      selections: texts,
      seed: flags.seed,
      runs: found.drawn,
      ...(stop === undefined ? {} : { stop }),
    };
    if (shard === undefined) return reportExplore(outcome, flags.out, this.io);
    // a shard writes its results file; the report, findings and exit code are the merge's (run errors
    // aside: exit 3, as a compare shard whose runs did not complete)
    const run = exploreIdentity(
      {
        version: this.config.version,
        seed: flags.seed,
        runs: flags.runs,
        maxSteps: flags['max-steps'],
        ...(flags.only === undefined ? {} : { only: flags.only }),
        ...(ratio === undefined ? {} : { costRatio: ratio }),
      },
      selections,
      vocabulary,
    );
    const file = flags.out!;
    writeFileAtomic(file, exploreShardText(run, shard, found.drawn, stop));
    if (stop?.kind === 'run-error') for (const e of stop.runErrors) this.reportRunError(e);
    if (!this.jsonEnabled() && file !== '-') {
      this.stderrLine(
        `shard ${shard.index}/${shard.count}: ` +
          (stop === undefined
            ? `nothing in its share of ${flags.runs} scenarios`
            : `stopped at scenario ${stop.scenario} (${stop.kind});`) +
          ` written to ${file}`,
      );
    }
    return {
      selections: texts,
      seed: flags.seed,
      runs: found.drawn,
      found: stop?.kind === 'divergence',
      shard: { index: shard.index, count: shard.count, file },
    };
  }
}
