// `compare --write-expect FILE`: the verdict file of the runs just made (herd7's kinds workflow), so a
// user pins today's behaviour in one command and checks later runs with `--expect FILE`. Written
// atomically and only when every run completed; a bad path, `-`, or a combination that cannot write one
// (`--expect`, DESIGN §6 `[--expect verdicts | --write-expect f]`; `--sweep`) is bad input before anything
// runs.
import { Flags } from './oclif.js';
import { VerdictWriteError, writeVerdicts, type RunResult } from '@shootdown/engine';
import { checkOutPath, STDOUT, writeFileAtomic } from './atomic-write.js';
import { InputError } from './errors.js';

const FLAG = '--write-expect';

export const writeExpectFlag = {
  'write-expect': Flags.string({
    summary: 'Write the verdict file of these runs (one line per scenario and selection) to this file.',
  }),
};

export function checkWriteExpectFlag(flags: {
  'write-expect'?: string;
  expect?: string;
  sweep?: readonly string[];
}): void {
  const file = flags['write-expect'];
  if (file === undefined) return;
  if (flags.expect !== undefined) {
    throw new InputError(`${FLAG} and --expect cannot be combined: check against one file or write one`);
  }
  if (flags.sweep !== undefined) throw new InputError(`${FLAG} and --sweep cannot be combined`);
  if (file === STDOUT) throw new InputError(`${FLAG} writes a file; - (stdout) is where the report goes`);
  checkOutPath(file, FLAG);
}

/** Writes the file; a run that did not complete leaves it unwritten (the command exits 3 anyway). */
export function writeExpectFile(file: string, results: readonly (readonly RunResult[])[]): void {
  let text: string;
  try {
    text = writeVerdicts(results);
  } catch (e) {
    if (e instanceof VerdictWriteError) throw new InputError(`${FLAG} ${file}: not written: ${e.message}`);
    throw e;
  }
  writeFileAtomic(file, text, FLAG);
}
