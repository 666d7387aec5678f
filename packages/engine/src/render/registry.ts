// The named map of renderers keyed by `--format` value (DESIGN §5, as vitest keys its reporters). A
// plug-in adds a format with `registerRenderer`; the built-in ones are registered here.
import type { Comparison } from '../compare/types.js';
import { htmlRenderer } from './html.js';
import { jsonRenderer } from './json.js';
import { ktapRenderer } from './ktap.js';
import { markdownRenderer } from './markdown.js';
import { tableRenderer } from './table.js';
import { textRenderer } from './text.js';
import type { Renderer, RenderOptions } from './types.js';

const renderers = new Map<string, Renderer>();

/** Adds a format; taking an existing name is refused unless `replace` is set, so a typo cannot shadow one. */
export function registerRenderer(r: Renderer, replace = false): void {
  if (!/^[a-z][a-z0-9-]*$/.test(r.format))
    throw new Error(`renderer format "${r.format}" must be kebab-case`);
  if (renderers.has(r.format) && !replace)
    throw new Error(`renderer format "${r.format}" is already registered`);
  renderers.set(r.format, r);
}

export function getRenderer(format: string): Renderer | undefined {
  return renderers.get(format);
}

/** Registered formats in registration order (the built-ins first). */
export function rendererFormats(): string[] {
  return [...renderers.keys()];
}

export function renderComparison(c: Comparison, format: string, options?: RenderOptions): string {
  const r = renderers.get(format);
  if (r === undefined) {
    const err = new Error(`unknown format "${format}"; formats: ${rendererFormats().join(', ')}`);
    (err as Error & { exitCode: number }).exitCode = 2;
    throw err;
  }
  return r.render(c, options);
}

for (const r of [tableRenderer, textRenderer, markdownRenderer, jsonRenderer, ktapRenderer, htmlRenderer]) {
  registerRenderer(r);
}
