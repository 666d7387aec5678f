// The s-expression layer of a Casemate trace (rems-project/casemate doc/asciidoc/sections/trace-format.adoc,
// read as its checker reads it: src/casemate-check-c/src/parser.c). A trace is records `( … )` separated
// by blanks, optionally ended by one line starting with `!` — the violation the trace expects — after
// which only blanks may follow. Atoms are words (no blank, no bracket) or `"…"` strings. Every node keeps
// its 1-based line and column so a bad trace is reported at file:line:column.

export interface Pos {
  readonly line: number;
  readonly column: number;
}
export type Node =
  | (Pos & { readonly kind: 'word'; readonly text: string })
  | (Pos & { readonly kind: 'string'; readonly text: string })
  | (Pos & { readonly kind: 'list'; readonly items: readonly Node[] });

export interface TraceText {
  readonly records: readonly (Pos & { readonly kind: 'list'; readonly items: readonly Node[] })[];
  /** The `!` line without its `!`, trimmed, with its position; null when the trace expects none. */
  readonly expected: (Pos & { readonly text: string }) | null;
}

/** A trace that does not parse: where and what was expected. */
export class TraceSyntaxError extends Error {
  override readonly name = 'TraceSyntaxError';
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

const BLANK = new Set([' ', '\t', '\n', '\r']);

/** Reads the whole trace; throws TraceSyntaxError at the first character that does not fit. */
export function readTrace(text: string): TraceText {
  let i = 0;
  let line = 1;
  let column = 1;
  const here = (): Pos => ({ line, column });
  const advance = (): string => {
    const c = text[i++];
    if (c === '\n') {
      line++;
      column = 1;
    } else column++;
    return c;
  };
  const skipBlanks = (): void => {
    while (i < text.length && BLANK.has(text[i])) advance();
  };

  function node(): Node {
    const at = here();
    const c = text[i];
    if (c === '(') {
      advance();
      const items: Node[] = [];
      for (;;) {
        skipBlanks();
        if (i >= text.length)
          throw new TraceSyntaxError(at.line, at.column, "this '(' is never closed: expected ')'");
        if (text[i] === ')') {
          advance();
          return { kind: 'list', items, ...at };
        }
        items.push(node());
      }
    }
    if (c === ')') throw new TraceSyntaxError(at.line, at.column, "unexpected ')': no '(' is open");
    if (c === '"') {
      advance();
      const start = i;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\n')
          throw new TraceSyntaxError(at.line, at.column, "string not closed on its line: expected '\"'");
        advance();
      }
      if (i >= text.length)
        throw new TraceSyntaxError(at.line, at.column, "string never closed: expected '\"'");
      const s = text.slice(start, i);
      advance();
      return { kind: 'string', text: s, ...at };
    }
    const start = i;
    while (i < text.length && !BLANK.has(text[i]) && text[i] !== '(' && text[i] !== ')' && text[i] !== '"')
      advance();
    return { kind: 'word', text: text.slice(start, i), ...at };
  }

  const records: (Pos & { kind: 'list'; items: readonly Node[] })[] = [];
  let expected: TraceText['expected'] = null;
  for (;;) {
    skipBlanks();
    if (i >= text.length) break;
    const at = here();
    if (text[i] === '!') {
      const end = text.indexOf('\n', i);
      const body = text.slice(i + 1, end < 0 ? text.length : end).trim();
      while (i < (end < 0 ? text.length : end)) advance();
      expected = { text: body, ...at };
      skipBlanks();
      if (i < text.length)
        throw new TraceSyntaxError(line, column, "expected the end of the trace after its '!' line");
      break;
    }
    if (text[i] === ')') throw new TraceSyntaxError(at.line, at.column, "unexpected ')': no '(' is open");
    if (text[i] !== '(')
      throw new TraceSyntaxError(
        at.line,
        at.column,
        `expected '(' to start a record or '!', got '${text[i]}'`,
      );
    const n = node();
    records.push(n as Pos & { kind: 'list'; items: readonly Node[] });
  }
  return { records, expected };
}
