import { Args } from '../oclif.js';
import { ShootdownCommand } from '../base-command.js';
import { loadOptionsFor, tryLoadScenario } from '../scenario-input.js';

export interface ValidationReport {
  /** The argument as given (a path or a catalogue name). */
  readonly scenario: string;
  /** The scenario's `name`, when it loaded. */
  readonly name?: string;
  readonly ok: boolean;
  /** `file:line:column: message (at /pointer)`, one per problem. */
  readonly errors: readonly string[];
}

export default class Validate extends ShootdownCommand {
  static override summary =
    'Check scenario files against the schema and the language rules, without running them.';
  static override description =
    'Every problem is reported at file:line:column with its JSON pointer. Policy-contributed ops are ' +
    'checked against the schemas their plug-ins register. Exit 0 when every file is valid, 2 otherwise.';
  static override examples = [
    '<%= config.bin %> validate my-scenario.yaml',
    '<%= config.bin %> validate vfree-exec-reuse other.yaml --json',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({ description: 'Scenario files (YAML or JSON) or catalogue names.', required: true }),
  };

  async run(): Promise<ValidationReport[]> {
    const { argv } = await this.parse(Validate);
    const files = argv as string[];
    const registry = await this.loadRegistry();
    const options = loadOptionsFor(registry);
    const reports: ValidationReport[] = [];
    for (const given of files) {
      const o = await tryLoadScenario(given, options);
      reports.push(
        o.scenario === undefined
          ? { scenario: given, ok: false, errors: o.errors }
          : { scenario: given, name: o.scenario.name, ok: true, errors: [] },
      );
    }
    if (!this.jsonEnabled()) {
      for (const r of reports) {
        if (r.ok) this.log(`${r.scenario}: ok`);
        // Errors go to stderr, like every other bad-input message; the loader already puts the file first.
        else for (const e of r.errors) this.stderrLine(e);
      }
    }
    if (reports.some((r) => !r.ok)) this.reportBadInput();
    return reports;
  }
}
