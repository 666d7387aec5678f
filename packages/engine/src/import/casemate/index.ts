// `shootdown import casemate`: a Casemate trace (rems-project/casemate, doc/asciidoc/sections/
// trace-format.adoc) read, laid out and written as a hardware-level scenario, with what the trace itself
// expects (its `!` line) in our invariants' terms.
import { yaml } from '../../scenario/yaml-lib.js';
import { buildScenario, type BuildOptions, type ImportedScenario } from './build.js';
import { agrees, expectedVerdict, type ExpectedVerdict } from './expected.js';
import { traceRecords } from './records.js';
import { readTrace, TraceSyntaxError } from './sexp.js';

export { agrees, CASEMATE_SCOPE, expectedVerdict, type ExpectedVerdict } from './expected.js';
export type { BuildOptions, ImportedScenario } from './build.js';

/** A trace that does not parse or names an unknown event: bad input (exit 2), at file:line:column. */
export class CasemateTraceError extends Error {
  override readonly name = 'CasemateTraceError';
  readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
  }
}

export interface CasemateImport {
  /** Scenario name: the trace's file name, kebab-cased. */
  readonly name: string;
  readonly records: number;
  /** The `!` line, if any, with where it is. */
  readonly bang: { readonly text: string; readonly line: number } | null;
  readonly expected: ExpectedVerdict;
  readonly imported: ImportedScenario;
  /** The scenario as YAML, or null when something is unsupported. */
  readonly yaml: string | null;
}

/** Kebab-case scenario name from a trace file's base name (`bad_no_bbm.log` → `bad-no-bbm`). */
export function traceScenarioName(file: string): string {
  const base = file
    .split(/[\\/]/u)
    .pop()!
    .replace(/\.[^.]*$/u, '');
  const kebab = base
    .toLowerCase()
    .replace(/[^a-z0-9]+/gu, '-')
    .replace(/^-+|-+$/gu, '');
  return kebab === '' ? 'casemate-trace' : kebab;
}

export function importCasemate(text: string, file: string, options: BuildOptions = {}): CasemateImport {
  let parsed;
  let records;
  try {
    parsed = readTrace(text);
    records = traceRecords(parsed);
  } catch (e) {
    if (e instanceof TraceSyntaxError) throw new CasemateTraceError(file, e.line, e.column, e.message);
    throw e;
  }
  const name = traceScenarioName(file);
  const imported = buildScenario(name, records, options);
  return {
    name,
    records: records.length,
    bang: parsed.expected === null ? null : { text: parsed.expected.text, line: parsed.expected.line },
    expected: expectedVerdict(parsed.expected?.text ?? null),
    imported,
    yaml: imported.document === null ? null : yaml().stringify(imported.document, { lineWidth: 0 }),
  };
}

/** The agreement of a run's violated invariants with what the trace expects (null: not judged). */
export function casemateAgreement(imp: CasemateImport, violated: readonly string[]): boolean | null {
  return agrees(imp.expected, violated);
}
