import { Flags } from '@oclif/core';
import { loadSchemas } from '@shootdown/schemas';
import { checkOutPath, writeFileAtomic } from '../atomic-write.js';
import { ShootdownCommand } from '../base-command.js';
import { InputError } from '../errors.js';
import { documentYaml, reproducer } from '../minimize/reproduce.js';
import type { Signature, SignatureMode } from '../minimize/signature.js';
import { Progress } from '../progress.js';
import { loadOptionsFor } from '../scenario-input.js';
import { selectionsFromFlags } from '../selections.js';

export interface ExploreOutput {
  readonly selections: readonly string[];
  readonly seed: number;
  /** Scenarios generated and run before the first divergence (or all of them). */
  readonly runs: number;
  readonly found: boolean;
  /** With a divergence: what it is, the shrunk scenario's steps and YAML, and where it was written. */
  readonly signature?: string;
  readonly steps?: number;
  readonly shrinks?: number;
  readonly yaml?: string;
  readonly file?: string;
}

export default class Explore extends ShootdownCommand {
  static override summary =
    'Generate random scenarios until the selections diverge, then shrink the first one found.';
  static override description =
    'fast-check arbitraries over the scenario language’s OS-neutral ops (the kernel side — kalloc, ' +
    'kprotect, kfree, page-alloc, access — or a process’s — mmap, mprotect, munmap, access, uaccess, swapout, ' +
    'protection keys), built so every reference is valid: regions that exist, CPUs in range, a process ' +
    'running on every CPU. Each scenario runs under the selections; the first whose outcomes or claimed ' +
    'invariant findings differ (with one selection: where a claimed invariant breaks) is shrunk by ' +
    'fast-check and written as a scenario that validates and reproduces with `compare`. Deterministic for ' +
    'a seed and --runs (--time stops by the clock instead, and is not). Exit 1 when it found one.';
  static override examples = [
    '<%= config.bin %> explore --policy linux-x86 --policy linux-x86:vfree=module-free-pre52 --seed 1 --out found.yaml',
    '<%= config.bin %> explore --policy freebsd-amd64:pkru-remove=original --policy freebsd-amd64:pkru-remove=swapout-fix --runs 2000',
    '<%= config.bin %> explore --policy linux-x86:vfree=vfree-skip-flush --time 60 --json',
    '<%= config.bin %> explore --policy linux-x86 --policy linux-x86:tlb-flush=generic-split --only findings',
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
    out: Flags.string({ char: 'o', summary: 'Write the shrunk scenario here (default: stdout).' }),
  };

  async run(): Promise<ExploreOutput> {
    const { flags } = await this.parse(Explore);
    if (flags.out !== undefined) checkOutPath(flags.out);
    const ratio = flags['cost-ratio'] === undefined ? undefined : Number(flags['cost-ratio']);
    if (ratio !== undefined && !(Number.isFinite(ratio) && ratio > 1)) {
      throw new InputError(`--cost-ratio ${flags['cost-ratio']}: expected a number above 1, e.g. 4`);
    }
    const registry = await this.loadRegistry();
    const selections = selectionsFromFlags(registry, flags.policy, undefined);
    const mode: SignatureMode = (flags.only as SignatureMode | undefined) ?? 'all';
    if (mode === 'outcomes' && selections.length < 2) {
      throw new InputError('--only outcomes compares selections: give two or more --policy');
    }
    // fast-check and the generator load only when explore runs (start-up of the other commands)
    const fc = (await import('fast-check')).default;
    const { buildScenario, draftArbitrary, vocabularyFromSchema } =
      await import('../explore/scenario-arbitrary.js');
    const vocabulary = vocabularyFromSchema(loadSchemas()['scenario.schema.json'] as Record<string, unknown>);
    const name = `explored-seed-${flags.seed}`;
    const check = reproducer(registry, selections, loadOptionsFor(registry), `${name}.yaml`, mode, ratio);
    const interesting = (sig: Signature | undefined): boolean => sig !== undefined && sig.interesting;
    const progress = new Progress(flags.runs);
    let tried = 0;
    const property = fc.property(draftArbitrary(flags['max-steps']), (draft) => {
      tried++;
      progress.step(`scenario ${tried}`);
      progress.advance();
      return !interesting(check.signature(buildScenario(draft, vocabulary, name)));
    });
    let result;
    try {
      result = fc.check(property, {
        seed: flags.seed,
        numRuns: flags.time === undefined ? flags.runs : Number.MAX_SAFE_INTEGER,
        ...(flags.time === undefined ? {} : { interruptAfterTimeLimit: flags.time * 1000 }),
      });
    } finally {
      progress.finish();
    }
    const base = { selections: selections.map((s) => s.text), seed: flags.seed };
    if (!result.failed || result.counterexample === null) {
      if (!this.jsonEnabled()) {
        this.stderrLine(`explore: no divergence in ${result.numRuns} scenarios (seed ${flags.seed})`);
      }
      return { ...base, runs: result.numRuns, found: false };
    }
    const [draft] = result.counterexample;
    const doc = buildScenario(draft, vocabulary, name);
    const sig = check.signature(doc)!;
    doc['description'] =
      `Found by shootdown explore --seed ${flags.seed} under ${base.selections.join(', ')}: ${sig.text}`;
    const yaml = documentYaml(doc);
    if (flags.out !== undefined) writeFileAtomic(flags.out, yaml);
    else if (!this.jsonEnabled()) this.stdoutText(yaml);
    const steps = (doc['steps'] as unknown[]).length;
    this.reportFinding(
      `explore: scenario ${result.numRuns} of seed ${flags.seed} diverges (${sig.text}); shrunk in ${result.numShrinks} steps to ${steps} steps`,
    );
    return {
      ...base,
      runs: result.numRuns,
      found: true,
      signature: sig.text,
      steps,
      shrinks: result.numShrinks,
      yaml,
      ...(flags.out === undefined ? {} : { file: flags.out }),
    };
  }
}
