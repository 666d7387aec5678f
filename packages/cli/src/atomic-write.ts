// `--out` is written only when the command succeeded, and atomically: a temporary file next to the target
// renamed over it, so a reader never sees half a report and a failed run leaves the old file untouched.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './errors.js';

export function writeFileAtomic(path: string, content: string): void {
  const target = resolve(path);
  const dir = dirname(target);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError(`--out ${path}: cannot create folder ${dir}: ${(e as Error).message}`);
  }
  const tmp = join(dir, `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(`--out ${path}: cannot write: ${(e as Error).message}`);
  }
}
