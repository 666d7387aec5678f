// Reading a verdict file from disk; an unreadable file is a located error like any other.
import { readFile } from 'node:fs/promises';
import { parseVerdicts, type VerdictParseOptions, type VerdictParseResult } from './parse.js';

export async function loadVerdictFile(
  path: string,
  opts: VerdictParseOptions = {},
): Promise<VerdictParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'error';
    return {
      ok: false,
      errors: [
        {
          file: path,
          line: 0,
          column: 0,
          pointer: '',
          message: code === 'ENOENT' ? 'no such file' : `cannot read (${code})`,
        },
      ],
    };
  }
  return parseVerdicts(text, path, opts);
}
