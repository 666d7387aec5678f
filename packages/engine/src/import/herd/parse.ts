// A herd7 litmus file → `LitmusTest`, or a `LitmusSyntaxError` at file line:column. The layout is
// herdtools7's (lib/splitter.ml, lib/genParser.ml): a first line `AArch64 <name>`, optional `key=value`
// lines and a quoted doc string, the initial state in `{ … }`, a code table whose first row names the
// threads (`P0 | P1 ;`, `P1.F` being P1's fault handler) and whose rows end in `;`, then `locations`,
// `filter` and the condition.
import type { CodeLine, LitmusTest, Pos, Thread } from './ast.js';
import { decodeInstruction } from './instructions.js';
import { Cursor, LineIndex, LitmusSyntaxError, blankComments, lex } from './lex.js';
import { parseConditionPart, parseInit } from './parse-state.js';

const CONDITION_START = /^(~\s*)?(exists|forall|locations|filter)\b/;
const LABEL = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*/;

interface Cell {
  readonly text: string;
  readonly pos: Pos;
}

/** The `|`-separated cells of a code row, without its final `;`. */
function cells(line: string, lineNo: number): Cell[] {
  let body = line.replace(/\s+$/, '');
  if (!body.endsWith(';'))
    throw new LitmusSyntaxError(
      { line: lineNo, column: body.length + 1 },
      "expected ';' at the end of the code row",
    );
  body = body.slice(0, -1);
  const out: Cell[] = [];
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i === body.length || body[i] === '|') {
      const raw = body.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      out.push({ text: raw.trim(), pos: { line: lineNo, column: start + lead + 1 } });
      start = i + 1;
    }
  }
  return out;
}

export function parseLitmus(source: string, file: string): LitmusTest {
  const index = new LineIndex(source);
  const text = blankComments(source, index);
  const lines = text.split('\n');

  // header: `AArch64 <name>`
  let li = 0;
  while (li < lines.length && lines[li]!.trim() === '') li++;
  const head = /^(\s*)(\S+)\s+(\S+)/.exec(lines[li] ?? '');
  if (head === null)
    throw new LitmusSyntaxError({ line: li + 1, column: 1 }, 'expected the header line "AArch64 <name>"');
  const arch = head[2]!;
  if (arch !== 'AArch64') {
    throw new LitmusSyntaxError(
      { line: li + 1, column: head[1]!.length + 1 },
      `expected an AArch64 test, found architecture '${arch}'`,
    );
  }
  const name = head[3]!;
  const namePos = { line: li + 1, column: head[1]!.length + arch.length + 2 };
  li++;

  // metadata until the `{` of the initial state
  const meta: Record<string, string> = {};
  let offset = lines.slice(0, li).reduce((n, l) => n + l.length + 1, 0);
  let open = -1;
  for (; li < lines.length; li++) {
    const line = lines[li]!;
    const brace = line.indexOf('{');
    const before = brace < 0 ? line : line.slice(0, brace);
    const kv = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$/.exec(before);
    if (kv !== null) meta[kv[1]!] = kv[2]!;
    else if (before.trim() !== '' && !before.includes('"')) {
      // a doc string ("…", possibly over several lines) is the only other thing herd allows here
      const col = before.length - before.trimStart().length + 1;
      throw new LitmusSyntaxError(
        { line: li + 1, column: col },
        "expected 'key=value' or the initial state '{'",
      );
    }
    if (brace >= 0) {
      open = offset + brace;
      break;
    }
    offset += line.length + 1;
  }
  if (open < 0) throw new LitmusSyntaxError(index.pos(text.length), "expected the initial state '{ … }'");
  let close = -1;
  for (let i = open + 1, depth = 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) throw new LitmusSyntaxError(index.pos(open), "the initial state '{' is never closed");
  const init = parseInit(new Cursor(lex(text, open + 1, close, index)));

  // the code table
  const afterClose = index.pos(close + 1);
  const rest = text.slice(close + 1);
  const restLines = rest.split('\n');
  let row = 0;
  const lineOf = (r: number): number => afterClose.line + r;
  const firstLineCol = (r: number): number => (r === 0 ? afterClose.column - 1 : 0);
  while (row < restLines.length && restLines[row]!.trim() === '') row++;
  if (row >= restLines.length)
    throw new LitmusSyntaxError(index.pos(text.length), 'expected the thread header (P0 | P1 ;)');
  const header = cells(restLines[row]!, lineOf(row)).map((c) => ({
    ...c,
    pos: { ...c.pos, column: c.pos.column + firstLineCol(row) },
  }));
  const columns = header.map((h) => {
    const m = /^P(\d+)(\.F)?$/.exec(h.text);
    if (m === null)
      throw new LitmusSyntaxError(h.pos, `expected a thread name (P0, P1, …), found '${h.text}'`);
    return { id: Number(m[1]), handler: m[2] !== undefined, text: h.text };
  });
  const code: { lines: CodeLine[]; pending: string[] }[] = columns.map(() => ({ lines: [], pending: [] }));
  row++;
  for (; row < restLines.length; row++) {
    const raw = restLines[row]!;
    if (raw.trim() === '') continue;
    if (CONDITION_START.test(raw.trim())) break;
    const rowCells = cells(raw, lineOf(row));
    if (rowCells.length > columns.length) {
      throw new LitmusSyntaxError(
        rowCells[columns.length]!.pos,
        `row has ${rowCells.length} columns, the header names ${columns.length} threads`,
      );
    }
    rowCells.forEach((cell, ci) => {
      let t = cell.text;
      let col = cell.pos.column;
      const col0 = code[ci]!;
      for (let m = LABEL.exec(t); m !== null; m = LABEL.exec(t)) {
        col0.pending.push(m[1]!);
        col += m[0].length;
        t = t.slice(m[0].length);
      }
      if (t === '') return;
      const pos = { line: cell.pos.line, column: col };
      col0.lines.push({ pos, labels: col0.pending.splice(0), ins: decodeInstruction(t, pos), text: t });
    });
  }
  const threads: Thread[] = [];
  const handlers: string[] = [];
  columns.forEach((c, ci) => {
    if (c.handler) handlers.push(c.text);
    else threads.push({ id: c.id, code: code[ci]!.lines, endLabels: code[ci]!.pending });
  });
  threads.forEach((t, i) => {
    if (t.id !== i)
      throw new LitmusSyntaxError(header[i]!.pos, `threads must be P0, P1, … in order, found P${t.id}`);
  });
  // labels named by branches must exist in their thread
  for (const t of threads) {
    const known = new Set([...t.code.flatMap((l) => l.labels), ...t.endLabels]);
    for (const l of t.code) {
      const target = l.ins.op === 'cbz' || l.ins.op === 'bcond' ? l.ins.target : null;
      if (target !== null && !known.has(target))
        throw new LitmusSyntaxError(l.pos, `no label '${target}' in P${t.id}`);
    }
  }

  const condStart = restLines.slice(0, row).reduce((n, l) => n + l.length + 1, close + 1);
  if (row >= restLines.length)
    throw new LitmusSyntaxError(index.pos(text.length), 'expected the condition (exists, ~exists or forall)');
  const part = parseConditionPart(new Cursor(lex(text, condStart, text.length, index)));
  return {
    file,
    arch,
    name,
    namePos,
    meta,
    init,
    threads,
    handlers,
    locations: part.locations,
    filter: part.filter,
    condition: part.condition,
  };
}
