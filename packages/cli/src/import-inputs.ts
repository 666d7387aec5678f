// What the `import` commands share: every input file read and parsed before anything runs or is written,
// each problem (unreadable file, a parse error at file:line:column) collected, and exit 2 with all of
// them when there is any.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { InputError } from './errors.js';

/** A path as the user should see it: relative to the working folder when below it. */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/**
 * `parse(text, shown)` of every file, in order. `badInput(e)` turns a parse error into its message
 * (`file:line:column: …`) or null for an error that is not the input's fault (rethrown: a bug).
 */
export function parseAll<T>(
  files: readonly string[],
  parse: (text: string, shown: string) => T,
  badInput: (e: unknown) => string | null,
): T[] {
  const out: T[] = [];
  const problems: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code})`;
      problems.push(`${shownPath(f)}: ${why}`);
      continue;
    }
    try {
      out.push(parse(text, shownPath(f)));
    } catch (e) {
      const message = badInput(e);
      if (message === null) throw e;
      problems.push(message);
    }
  }
  if (problems.length > 0) throw new InputError(problems[0]!, problems.slice(1, 20));
  return out;
}
