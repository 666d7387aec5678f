// The comparison model as JSON (`schemas/comparison.schema.json`), byte-stable: the model is built in a
// fixed order and printed with two-space indentation.
import type { Comparison } from '../compare/types.js';
import type { Renderer } from './types.js';

export const jsonRenderer: Renderer = {
  format: 'json',
  description: 'the comparison as JSON (schemas/comparison.schema.json)',
  extension: 'json',
  render(c: Comparison): string {
    return JSON.stringify(c, null, 2) + '\n';
  },
};
