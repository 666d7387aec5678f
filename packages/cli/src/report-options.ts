// How a report is drawn for where it goes: colour and the terminal's width only when stdout is a terminal
// (NO_COLOR, https://no-color.org, turns colour off when set to anything but the empty string); a file or
// a pipe gets the documented default of 100 columns. `--only diverging` keeps the rows where selections
// differ, in the formats that draw rows.
import { Flags } from './oclif.js';
import type { RenderOptions } from '@shootdown/engine';
import { InputError } from './errors.js';

/** Formats whose rows `--only diverging` filters. */
export const ROW_FORMATS = ['table', 'text', 'markdown'] as const;

export const onlyFlag = {
  only: Flags.string({
    options: ['diverging'],
    summary: 'diverging: show only the rows where the selections differ (table, text, markdown).',
  }),
};

/** Refuses `--only` with a format that has no rows to filter (before anything runs). */
export function checkOnlyFlag(flags: { only?: string; format: string; sweep?: readonly string[] }): void {
  if (flags.only === undefined) return;
  if (flags.sweep !== undefined) throw new InputError(`--only ${flags.only} and --sweep cannot be combined`);
  if (!(ROW_FORMATS as readonly string[]).includes(flags.format)) {
    throw new InputError(
      `--only ${flags.only} filters the rows of ${ROW_FORMATS.join(', ')}; not --format ${flags.format}`,
    );
  }
}

export function renderOptionsFor(flags: { out?: string; only?: string; format: string }): RenderOptions {
  const toTerminal = (flags.out === undefined || flags.out === '-') && process.stdout.isTTY === true;
  const noColor = (process.env['NO_COLOR'] ?? '') !== '';
  return {
    color: toTerminal && !noColor,
    // `table` follows the terminal; unset, every format lays out for DEFAULT_COLUMNS
    columns: toTerminal && flags.format === 'table' ? process.stdout.columns : undefined,
    only: flags.only === 'diverging' ? 'diverging' : 'all',
  };
}
