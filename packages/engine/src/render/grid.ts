// Drawing blocks of rows as tables. cli-table3 lays the cells out (padding, word wrap, truncation with an
// ellipsis when one word is wider than its column), string-width measures display width (wide and
// combining characters, ANSI codes) and wrap-ansi wraps prose lines; all three load on first use, so a
// command that renders nothing (`--version`, `validate`) never pays for them.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type CliTable3 from 'cli-table3';
import { requireWithCodeCache } from '@shootdown/core';
import { drawFitting, isPrintableAscii } from './fitting-table.js';

const require = createRequire(import.meta.url);

/**
 * A library as the build vendored it: one file (dist/vendor/<name>.cjs, scripts/bundle-dist.js --vendor)
 * compiled from its V8 code cache (core's code-cache.ts) — cli-table3 ~1 ms of CPU instead of ~8 for the
 * package's modules, string-width and wrap-ansi (seven modules between them) ~1 instead of ~4; from
 * sources without a build, the package itself. Copies are harmless: a table is drawn by the one class that
 * made it, and the other two are pure functions of their arguments.
 */
function vendored(name: string): unknown {
  // from dist/render/ and from src/render/ alike: the package's dist/vendor
  const file = fileURLToPath(new URL(`../../dist/vendor/${name}.cjs`, import.meta.url));
  return existsSync(file) ? requireWithCodeCache(file) : require(name);
}

type StringWidth = (s: string) => number;
type WrapAnsi = (s: string, columns: number, options?: { hard?: boolean; trim?: boolean }) => string;

let stringWidth: StringWidth | undefined;
let wrapAnsi: WrapAnsi | undefined;
let Table: typeof CliTable3 | undefined;

/** Terminal columns a string takes (what cli-table3 itself measures with, so fit decisions agree). */
export function displayWidth(s: string): number {
  // most cells are printable ASCII: their length, without loading and running string-width cold
  if (isPrintableAscii(s)) return s.length;
  stringWidth ??= vendored('string-width') as StringWidth;
  return stringWidth(s);
}

/**
 * A line of prose wrapped at spaces to `columns` (a word longer than a line is broken): its own leading
 * spaces kept on every line, continuation lines indented by `indent` more. Spaces inside one of
 * `keepTogether` do not break.
 */
export function wrapLine(
  line: string,
  columns: number,
  indent = '  ',
  keepTogether: readonly string[] = [],
): string[] {
  wrapAnsi ??= vendored('wrap-ansi') as WrapAnsi;
  const lead = /^ */.exec(line)![0];
  // a one-column placeholder that wrap-ansi does not break at, for the spaces that must stay (a key
  // item such as `▶ first divergence`)
  const GLUE = '\u00a0';
  let body = line.slice(lead.length);
  for (const k of keepTogether) body = body.split(k).join(k.replace(/ /g, GLUE));
  const wrap = (s: string, w: number): string[] =>
    wrapAnsi!(s, Math.max(1, w), { trim: true, hard: true }).split('\n');
  const glued = (l: string): string => l.split(GLUE).join(' ');
  const [first = '', ...rest] = wrap(body, columns - lead.length);
  if (rest.length === 0) return [lead + glued(first)];
  // the continuation is rewrapped narrower so that the indent still fits
  const tail = wrap(rest.join(' '), columns - lead.length - indent.length);
  return [lead + glued(first), ...tail.map((l) => lead + indent + glued(l))];
}

export interface Block {
  readonly header?: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * `box`: the terminal's box drawing, blocks stacked into one frame; `plain`: ASCII for mail, columns two
 * spaces apart, headers underlined with dashes, blocks a blank line apart.
 */
export type Frame = 'box' | 'plain';

const PAD: Record<Frame, number> = { box: 2, plain: 0 };

/** Width of a table with these content widths, borders and padding included. */
export function tableWidth(widths: readonly number[], frame: Frame): number {
  const content = widths.reduce((a, w) => a + w + PAD[frame], 0);
  return frame === 'box' ? content + widths.length + 1 : content + 2 * Math.max(0, widths.length - 1);
}

/** Each column's widest cell. */
export function naturalWidths(blocks: readonly Block[], n: number): number[] {
  const widths = new Array<number>(n).fill(0);
  for (const b of blocks) {
    for (const r of b.header === undefined ? b.rows : [b.header, ...b.rows]) {
      r.forEach((c, i) => (widths[i] = Math.max(widths[i], displayWidth(c))));
    }
  }
  return widths;
}

/** Each column's longest word: the narrowest it can be wrapped to without cutting a word. */
export function wordWidths(blocks: readonly Block[], n: number): number[] {
  const widths = new Array<number>(n).fill(0);
  for (const b of blocks) {
    for (const r of b.header === undefined ? b.rows : [b.header, ...b.rows]) {
      r.forEach((c, i) => {
        for (const w of c.split(' ')) widths[i] = Math.max(widths[i], displayWidth(w));
      });
    }
  }
  return widths;
}

/**
 * Narrows columns, widest first, each down to its minimum, until the table fits `columns`. Returns the
 * widths reached (still too wide when every column is at its minimum).
 */
export function fitWidths(
  natural: readonly number[],
  mins: readonly number[],
  columns: number,
  frame: Frame,
): number[] {
  const w = [...natural];
  let excess = tableWidth(w, frame) - columns;
  while (excess > 0) {
    let widest = -1;
    for (let i = 0; i < w.length; i++) if (w[i] > mins[i] && (widest < 0 || w[i] > w[widest])) widest = i;
    if (widest < 0) break;
    w[widest]--;
    excess--;
  }
  return w;
}

const BOX_JOIN = { top: '─', 'top-left': '├', 'top-mid': '┼', 'top-right': '┤' };
const NO_BOTTOM = { bottom: '', 'bottom-left': '', 'bottom-mid': '', 'bottom-right': '' };
const PLAIN = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  ...NO_BOTTOM,
  left: '',
  'left-mid': '',
  mid: '-',
  'mid-mid': '  ',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/**
 * Draws blocks with the same column widths. In a box frame consecutive blocks share one frame (a block's
 * top border becomes the separator under the previous one); plain blocks are a blank line apart. Blocks
 * whose cells all fit are drawn by fitting-table.ts, the same lines cli-table3 draws for them.
 */
export function drawBlocks(blocks: readonly Block[], widths: readonly number[], frame: Frame): string[] {
  const out = drawFitting(blocks, widths, frame) ?? drawWithTable(blocks, widths, frame);
  return frame === 'plain' ? out.map((l) => l.trimEnd()) : out;
}

/** drawBlocks by cli-table3 (before the plain frame's trimming): any cells, wrapped and truncated to fit. */
export function drawWithTable(blocks: readonly Block[], widths: readonly number[], frame: Frame): string[] {
  Table ??= vendored('cli-table3') as typeof CliTable3;
  const out: string[] = [];
  blocks.forEach((b, k) => {
    const chars =
      frame === 'plain' ? PLAIN : { ...(k > 0 ? BOX_JOIN : {}), ...(k < blocks.length - 1 ? NO_BOTTOM : {}) };
    const pad = PAD[frame] / 2;
    const t = new Table!({
      ...(b.header === undefined ? {} : { head: [...b.header] }),
      chars,
      colWidths: widths.map((w) => w + PAD[frame]),
      wordWrap: true,
      wrapOnWordBoundary: true,
      style: { head: [], border: [], compact: true, 'padding-left': pad, 'padding-right': pad },
    });
    for (const r of b.rows) t.push([...r]);
    if (frame === 'plain' && k > 0) out.push('');
    out.push(...t.toString().split('\n'));
  });
  return out;
}
