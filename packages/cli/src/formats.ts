// Output formats: the engine's renderers keyed by `--format`, plus any a plug-in contributed through the
// registry (DESIGN §5: a plug-in can add a format the same way). Several scenarios are rendered each in
// turn and joined so that the whole stays valid for its format (a JSON array, nested KTAP).
import type { PolicyRegistry } from '@shootdown/core';
import {
  getRenderer,
  registerRenderer,
  rendererFormats,
  type Comparison,
  type RenderOptions,
} from '@shootdown/engine';
import { InputError } from './errors.js';
import { closest } from './suggest.js';

/** Makes the plug-ins' formats available to `--format`; a built-in name is never shadowed. */
export function installPluginRenderers(registry: PolicyRegistry): void {
  for (const r of registry.renderers()) {
    if (getRenderer(r.format) !== undefined) continue;
    registerRenderer({
      format: r.format,
      description: r.description,
      extension: 'txt',
      render: (c: Comparison) => r.render(c),
    });
  }
}

export function checkFormat(format: string): void {
  if (getRenderer(format) !== undefined) return;
  const formats = rendererFormats();
  const near = closest(format, formats);
  throw new InputError(
    `--format ${format}: unknown format`,
    [near ? `did you mean '${near}'?` : '', `formats: ${formats.join(', ')}`].filter((l) => l !== ''),
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : `  ${l}`))
    .join('\n');
}

/** Whether a KTAP document's own top-level results all passed. */
function ktapPassed(doc: string): boolean {
  return !doc.split('\n').some((l) => l.startsWith('not ok '));
}

export function renderComparisons(
  comparisons: readonly Comparison[],
  format: string,
  options: RenderOptions = {},
): string {
  const r = getRenderer(format);
  if (r === undefined) throw new InputError(`--format ${format}: unknown format`);
  // A format that holds several comparisons in one document (the HTML report) renders them together.
  if (r.renderMany !== undefined) return r.renderMany(comparisons, options);
  const docs = comparisons.map((c) => r.render(c, options));
  if (docs.length === 1) return docs[0];
  if (format === 'json') {
    // One comparison per scenario, as a JSON array of what the renderer printed for each.
    return `[\n${docs.map((d) => indent(d.trimEnd())).join(',\n')}\n]\n`;
  }
  if (format === 'ktap') {
    // Documentation/dev-tools/ktap.rst: a test with subtests nests their KTAP documents, indented.
    const out = ['KTAP version 1', `1..${docs.length}`];
    docs.forEach((d, i) => {
      out.push(indent(d.trimEnd()));
      out.push(`${ktapPassed(d) ? 'ok' : 'not ok'} ${i + 1} ${comparisons[i].scenario}`);
    });
    return `${out.join('\n')}\n`;
  }
  return docs.map((d) => d.trimEnd()).join('\n\n') + '\n';
}
