// A user mistake in a scenario, located precisely enough to fix without reading the schema
// (DESIGN §4: "file, line and column and the JSON pointer — never a stack trace — and nothing is run").

export interface ScenarioError {
  /** The file as given to the loader, or `--set` for a bad override. */
  readonly file: string;
  /** 1-based; 0 when the error has no place in the file (a `--set` override, an unreadable file). */
  readonly line: number;
  readonly column: number;
  /** JSON pointer of the offending value (`/steps/3/pages`), `''` for the document. */
  readonly pointer: string;
  readonly message: string;
}

/** One line per error: `file:line:column: message (at /pointer)`, the form editors and CI logs link. */
export function formatScenarioError(e: ScenarioError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  const at = e.pointer === '' ? '' : ` (at ${e.pointer})`;
  return `${where}: ${e.message}${at}`;
}

/** Errors in reading order: by file, line, column, then message, so output is stable. */
export function sortScenarioErrors(errors: readonly ScenarioError[]): ScenarioError[] {
  const seen = new Set<string>();
  const out: ScenarioError[] = [];
  for (const e of errors) {
    const k = `${e.file}\0${e.line}\0${e.column}\0${e.pointer}\0${e.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
