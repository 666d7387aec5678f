import { readFileSync } from 'node:fs';
import { Args, Flags } from '../oclif.js';
import { parse } from 'yaml';
import { checkOutPath, writeFileAtomic } from '../atomic-write.js';
import { ShootdownCommand } from '../base-command.js';
import { InputError } from '../errors.js';
import { countSteps, shrinkDocument } from '../minimize/shrink-document.js';
import { containedReproducer, documentYaml } from '../minimize/reproduce.js';
import { signatureOf, type SignatureMode } from '../minimize/signature.js';
import { limitFlags, runLimits } from '../run-limits.js';
import { runErrorsOf } from '../run-matrix.js';
import { loadOptionsFor, loadScenarios } from '../scenario-input.js';
import { selectionsFromFlags } from '../selections.js';
import { parseSetFlags } from '../set-flags.js';

/** When a run of the scenario as given did not complete (exit 3): what happened, as compare says it. */
export interface MinimizeRunErrors {
  readonly scenario: string;
  readonly selections: readonly string[];
  readonly runErrors: readonly string[];
}

export interface MinimizeOutput {
  readonly scenario: string;
  readonly selections: readonly string[];
  /** What stayed the same: the finding or the divergence. */
  readonly signature: string;
  readonly steps: { readonly before: number; readonly after: number };
  /** Candidates tried. */
  readonly tests: number;
  /** Whether --budget ran out before a pass changed nothing (the result is smaller, maybe not smallest). */
  readonly exhausted: boolean;
  readonly yaml: string;
  readonly file?: string;
}

export default class Minimize extends ShootdownCommand {
  static override summary = 'Shrink a scenario while its finding or divergence stays the same.';
  static override description =
    'Delta debugging (ddmin) on the scenario as written: drops steps — a process or region goes with the ' +
    'step that creates it —, lowers the CPU count, page counts, repeat counts and numeric params, and ' +
    'keeps a change only when the scenario still loads, validates and shows the same thing: with one ' +
    '--policy, the same claimed invariants broken; with several, the same op and outcomes at the first ' +
    'divergent step and the same claimed invariants broken under each. Writes the smallest scenario found ' +
    'as YAML (stdout, or --out). Every candidate runs contained, like compare’s runs: under --timeout and ' +
    '--max-memory on worker threads, so a plug-in that loops costs its limit — a candidate that does not ' +
    'complete does not reproduce; when the scenario as given does not complete, exit 3 naming the plug-in. ' +
    'Deterministic. Exit 2 when the scenario shows nothing to keep.';
  static override examples = [
    '<%= config.bin %> minimize vfree-exec-reuse --policy linux-x86 --policy linux-x86:vfree=module-free-pre52',
    '<%= config.bin %> minimize swapout-refault --policy freebsd-amd64:pkru-remove=original --out small.yaml',
    '<%= config.bin %> minimize my-scenario.yaml --policy linux-x86 --policy linux-x86:vfree=vfree-skip-flush --only findings --json',
  ];
  static override args = {
    scenario: Args.string({ description: 'A scenario file or catalogue name.', required: true }),
  };
  static override flags = {
    policy: Flags.string({
      char: 'p',
      multiple: true,
      required: true,
      summary: 'A selection (repeatable): one to keep its finding, several to keep their divergence.',
    }),
    set: Flags.string({ multiple: true, summary: 'Override a scenario parameter first: name=value.' }),
    only: Flags.string({
      options: ['findings', 'outcomes'],
      summary: 'Keep only the claimed invariants broken (findings) or only the first divergence (outcomes).',
    }),
    budget: Flags.integer({
      min: 1,
      default: 5000,
      summary: 'At most this many candidate scenarios are tried.',
    }),
    out: Flags.string({ char: 'o', summary: 'Write the minimized scenario to this file.' }),
    jobs: Flags.integer({
      char: 'j',
      min: 1,
      summary: 'Worker threads for the runs (default: one per core, at most one per selection).',
    }),
    ...limitFlags,
  };

  async run(): Promise<MinimizeOutput | MinimizeRunErrors> {
    const { args, flags } = await this.parse(Minimize);
    if (flags.out !== undefined) checkOutPath(flags.out);
    const set = parseSetFlags(flags.set);
    const { registry, plugins, report } = await this.loadPlugins();
    const selections = selectionsFromFlags(registry, flags.policy, undefined);
    const mode: SignatureMode = (flags.only as SignatureMode | undefined) ?? 'all';
    if (mode === 'outcomes' && selections.length < 2) {
      throw new InputError('--only outcomes compares selections: give two or more --policy');
    }
    const options = loadOptionsFor(registry, set);
    const [loaded] = await loadScenarios([args.scenario], options);
    const file = loaded!.ref.path;
    const original = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    // --set is folded into the document, so the minimized file reproduces without it
    if (Object.keys(set).length > 0) {
      original['params'] = { ...(original['params'] as Record<string, unknown> | undefined), ...set };
    }
    const { check, close } = containedReproducer(
      plugins.map((p) => p.root),
      selections,
      { jobs: flags.jobs, limits: runLimits(flags) },
      loadOptionsFor(registry),
      file,
      mode,
    );
    const texts = selections.map((s) => s.text);
    let shrunk;
    let want;
    let out: Record<string, unknown>;
    let yaml: string;
    try {
      const given = await check.results(original);
      const runErrors = given === undefined ? [] : runErrorsOf(given, report);
      if (runErrors.length > 0) {
        // the scenario as given does not complete under a selection: a plug-in's bug, reported as compare does
        for (const e of runErrors) this.reportRunError(e);
        return { scenario: String(original['name']), selections: texts, runErrors };
      }
      want = given === undefined ? undefined : signatureOf(given, mode);
      if (want === undefined)
        throw new InputError(`${args.scenario}: a run did not complete; nothing to minimize`);
      if (!want.interesting) {
        throw new InputError(
          `${args.scenario}: nothing to minimize: under ${texts.join(', ')} ` +
            (selections.length === 1 ? 'no claimed invariant breaks' : 'the selections do not diverge'),
        );
      }
      const key = want.key;
      shrunk = await shrinkDocument(
        original as never,
        async (candidate) => (await check.signature(candidate))?.key === key,
        flags.budget,
      );
      const name = String(original['name']);
      out = { ...(shrunk.doc as Record<string, unknown>) };
      out['name'] = `${name}-min`;
      out['description'] = `${name}, minimized by shootdown minimize under ${texts.join(', ')}: ${want.text}`;
      yaml = documentYaml(out);
      // the file written must itself reproduce: checked, not assumed
      if ((await check.signature(out))?.key !== key)
        throw new Error('the minimized scenario does not reproduce');
    } finally {
      await close();
    }
    const { doc, stats } = shrunk;
    const steps = { before: countSteps(original as never), after: countSteps(doc) };
    if (flags.out !== undefined) writeFileAtomic(flags.out, yaml);
    else if (!this.jsonEnabled()) this.stdoutText(yaml);
    if (!this.jsonEnabled()) {
      this.stderrLine(
        `minimize: ${steps.before} → ${steps.after} steps after ${stats.tests} candidates; kept: ${want.text}` +
          (stats.exhausted ? ` (--budget ${flags.budget} ran out)` : ''),
      );
    }
    return {
      scenario: String(original['name']),
      selections: texts,
      signature: want.text,
      steps,
      tests: stats.tests,
      exhausted: stats.exhausted,
      yaml,
      ...(flags.out === undefined ? {} : { file: flags.out }),
    };
  }
}
