// herd's index files: `herd7 @all` reads test paths from `all`, one per line, relative to the index's
// folder; a line `@other` includes another index (herdtools7 lib/misc.ml `expand_argv`, the catalogue's
// `tests/@all`). `#` starts a comment. An index that includes itself, directly or not, is an error.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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

/** The litmus files an argument names: itself, or (`@index`) every file its index lists, in order. */
export function expandLitmusArgument(
  arg: string,
  cwd: string = process.cwd(),
  seen: Set<string> = new Set(),
): string[] {
  if (!arg.startsWith('@')) return [resolve(cwd, arg)];
  const path = resolve(cwd, arg.slice(1));
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
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    out.push(...expandLitmusArgument(line, dirname(path), seen));
  });
  seen.delete(path);
  return out;
}

export { LitmusSyntaxError };
