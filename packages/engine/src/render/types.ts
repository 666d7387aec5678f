// One interface for every output format (DESIGN §5), as vitest's reporters: a renderer turns the
// comparison model into text and knows nothing of how results were produced.
import type { Comparison } from '../compare/types.js';

export interface RenderOptions {
  /** ANSI colours (terminal table only); off unless asked, so piped output stays clean. */
  readonly color?: boolean;
}

export interface Renderer {
  /** The `--format` value. */
  readonly format: string;
  readonly description: string;
  /** File extension for `--out` defaults (without the dot). */
  readonly extension: string;
  render(comparison: Comparison, options?: RenderOptions): string;
}
