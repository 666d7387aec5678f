// Tokens of a litmus test's state and condition, after herdtools7's lib/stateLexer.mll (names may hold
// `.`, `/` and `-` after the first character; `P<n>` is a thread; `label:"P1:L1"` is one token; `(* … *)`
// comments are blanked before lexing so positions stay those of the file).
import type { Pos } from './ast.js';

export class LitmusSyntaxError extends Error {
  constructor(
    readonly pos: Pos,
    message: string,
  ) {
    super(message);
  }
}

export type TokKind = 'num' | 'name' | 'punct' | 'label' | 'eof';

export interface Token {
  readonly kind: TokKind;
  readonly text: string;
  readonly pos: Pos;
  /** Offset in the file. */
  readonly at: number;
}

/** Line starts of a text, for offset → line:column. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  pos(offset: number): Pos {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** The text with every `(* … *)` comment (nesting, as OCaml's) replaced by spaces, newlines kept. */
export function blankComments(text: string, index: LineIndex): string {
  const out = text.split('');
  let depth = 0;
  let opened = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('(*', i)) {
      if (depth === 0) opened = i;
      depth++;
      out[i] = ' ';
      out[i + 1] = ' ';
      i++;
    } else if (depth > 0 && text.startsWith('*)', i)) {
      depth--;
      out[i] = ' ';
      out[i + 1] = ' ';
      i++;
    } else if (depth > 0 && text[i] !== '\n') out[i] = ' ';
  }
  if (depth > 0) throw new LitmusSyntaxError(index.pos(opened), 'comment "(*" is never closed');
  return out.join('');
}

const PUNCT = [
  '/\\',
  '\\/',
  '=>',
  '==',
  '!=',
  '<>',
  ',',
  ';',
  ':',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  '=',
  '~',
  '&',
  '*',
  '+',
  '#',
];
const NAME_START = /[A-Za-z_.$]/;
const NAME_REST = /[A-Za-z0-9_/.-]/;

export function lex(text: string, from: number, to: number, index: LineIndex): Token[] {
  const toks: Token[] = [];
  let i = from;
  const push = (kind: TokKind, start: number, end: number): void => {
    toks.push({ kind, text: text.slice(start, end), pos: index.pos(start), at: start });
  };
  while (i < to) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (text.startsWith('label:"', i)) {
      const end = text.indexOf('"', i + 7);
      if (end < 0 || end >= to) throw new LitmusSyntaxError(index.pos(i), 'label:" is never closed');
      push('label', i, end + 1);
      i = end + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      let j = i + 1;
      if (c === '0' && (text[j] === 'x' || text[j] === 'X')) {
        j++;
        while (j < to && /[0-9a-fA-F]/.test(text[j]!)) j++;
      } else while (j < to && /[0-9]/.test(text[j]!)) j++;
      push('num', i, j);
      i = j;
      continue;
    }
    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < to && NAME_REST.test(text[j]!)) j++;
      // `/\` after a name is the conjunction, not part of the name
      if (text[j - 1] === '/' && text[j] === '\\') j--;
      push('name', i, j);
      i = j;
      continue;
    }
    const p = PUNCT.find((q) => text.startsWith(q, i));
    if (p === undefined) throw new LitmusSyntaxError(index.pos(i), `unexpected character '${c}'`);
    push('punct', i, i + p.length);
    i += p.length;
  }
  toks.push({ kind: 'eof', text: '', pos: index.pos(Math.min(to, text.length)), at: to });
  return toks;
}

/** A cursor over tokens with the usual expect / accept helpers. */
export class Cursor {
  private i = 0;
  constructor(private readonly toks: readonly Token[]) {}
  peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind !== 'eof' && t.kind !== 'num' && t.kind !== 'label' && t.text === text;
  }
  accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.next();
    return true;
  }
  expect(text: string, what?: string): Token {
    const t = this.peek();
    if (!this.is(text))
      throw new LitmusSyntaxError(t.pos, `expected ${what ?? `'${text}'`}, found ${show(t)}`);
    return this.next();
  }
  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }
}

export function show(t: Token): string {
  return t.kind === 'eof' ? 'the end of the section' : `'${t.text}'`;
}
