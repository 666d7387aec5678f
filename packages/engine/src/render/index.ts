// Renderers: one per file behind one interface, in a map keyed by `--format`.
export type { Renderer, RenderOptions } from './types.js';
export { getRenderer, registerRenderer, renderComparison, rendererFormats } from './registry.js';
export { htmlRenderer } from './html.js';
export { jsonRenderer } from './json.js';
export { ktapRenderer } from './ktap.js';
export { markdownRenderer } from './markdown.js';
export { tableRenderer } from './table.js';
export { textRenderer } from './text.js';
export { renderSweep, SWEEP_FORMATS } from './sweep.js';
export { renderBreakdown, BREAKDOWN_FORMATS } from './breakdown.js';
