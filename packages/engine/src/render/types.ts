// One interface for every output format (DESIGN §5), as vitest's reporters: a renderer turns the
// comparison model into text and knows nothing of how results were produced.
import type { Comparison } from '../compare/types.js';
import type { VerdictFile, VerdictMismatch } from '../verdict/types.js';
import type { RecordedTrace } from '../trace/types.js';

export interface RenderOptions {
  /** ANSI colours (terminal table only); off unless asked, so piped output stays clean. */
  readonly color?: boolean;
  /**
   * Columns to lay the report out for: the terminal's width for `table`. Unset, `table`, `text` and
   * `markdown` lay out for 100 columns (DEFAULT_COLUMNS); other formats ignore it.
   */
  readonly columns?: number;
  /** `diverging`: only the rows where the selections' cells differ (`--only diverging`). */
  readonly only?: 'all' | 'diverging';
  /**
   * The verdict file the runs were checked against (`--expect`) and what disagreed: KTAP then passes a
   * selection exactly when its run matches its verdict line, as the exit code does.
   */
  readonly verdicts?: { readonly file: VerdictFile; readonly mismatches: readonly VerdictMismatch[] };
  /** Per comparison, each column's trace recording, for formats that draw timelines (html). */
  readonly traces?: readonly (readonly (RecordedTrace | undefined)[] | undefined)[];
}

export interface Renderer {
  /** The `--format` value. */
  readonly format: string;
  readonly description: string;
  /** File extension for `--out` defaults (without the dot). */
  readonly extension: string;
  render(comparison: Comparison, options?: RenderOptions): string;
  /** Several comparisons as one document (a report with navigation), for formats that can hold them. */
  renderMany?(comparisons: readonly Comparison[], options?: RenderOptions): string;
}
