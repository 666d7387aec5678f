// herd's index files (herdtools7 lib/misc.ml `read_filenames`, `is_list`): a file whose name starts with
// `@` (the catalogue's `tests/@all`) lists test paths, one per line, relative to its folder; a listed file
// whose name starts with `@` is an index in turn; a line starting with `#` is a comment. An argument
// written `@path` is an index too, whatever its name. An index that includes itself is an error.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { LitmusSyntaxError } from './lex.js';

export class IndexError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** The litmus files an argument names: itself, or (an index) every file the index lists, in order. */
export function expandLitmusArgument(
  arg: string,
  cwd: string = process.cwd(),
  seen: Set<string> = new Set(),
): string[] {
  // a file named `@…` is an index (herd's is_list); on the command line `@path` names the index `path`
  // when no file is called `@path` itself
  const asGiven = resolve(cwd, arg);
  const stripped = arg.startsWith('@') && seen.size === 0 && !existsSync(asGiven);
  const path = stripped ? resolve(cwd, arg.slice(1)) : asGiven;
  if (!stripped && !basename(path).startsWith('@')) return [path];
  if (seen.has(path)) throw new IndexError(path, 0, 'the index includes itself');
  seen.add(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new IndexError(
      path,
      0,
      code === 'ENOENT' ? 'no such index file' : `cannot read the index (${code ?? 'error'})`,
    );
  }
  const out: string[] = [];
  text.split('\n').forEach((raw) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    out.push(...expandLitmusArgument(line, dirname(path), seen));
  });
  seen.delete(path);
  return out;
}

export { LitmusSyntaxError };
