// A herd7 kinds file (`herd7 -kinds f`, lib/constrGen.ml `parse_kind`): one test per line, `<name> <kind>`,
// kind Allowed / Forbidden / Required (or Allow / Forbid / Require), `#` or `%` comments to the end of the
// line (lib/lexRename.mll). A name with no kind is an error there too.
import type { Verdict } from './judge.js';
import { LitmusSyntaxError } from './lex.js';

const KINDS: Readonly<Record<string, Verdict>> = {
  Allowed: 'Allowed',
  Allow: 'Allowed',
  Forbidden: 'Forbidden',
  Forbid: 'Forbidden',
  Required: 'Required',
  Require: 'Required',
};

export function parseKinds(text: string): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  text.split('\n').forEach((raw, i) => {
    const hash = raw.search(/[#%]/);
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    const words = line
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    if (words.length === 0) return;
    const col = raw.length - raw.trimStart().length + 1;
    if (words.length !== 2) {
      throw new LitmusSyntaxError(
        { line: i + 1, column: col },
        `expected '<test name> <kind>', found ${words.length === 1 ? `'${words[0]}' alone` : `${words.length} words`}`,
      );
    }
    const kind = KINDS[words[1]!];
    if (kind === undefined) {
      throw new LitmusSyntaxError(
        { line: i + 1, column: raw.indexOf(words[1]!, col - 1 + words[0]!.length) + 1 },
        `expected a kind (Allowed, Forbidden, Required), found '${words[1]}'`,
      );
    }
    out.set(words[0]!, kind);
  });
  return out;
}
