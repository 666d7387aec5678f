// `--out` is written only when the command succeeded, and atomically: a temporary file next to the target
// renamed over it, so a reader never sees half a report and a failed run leaves the old file untouched.
// Only regular files are written: renaming over a device, a FIFO or a socket would replace it with a file
// (as root, `--out /dev/full` used to), and a directory cannot be a report. `--out -` means stdout.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './errors.js';

/** `--out -`: the report goes to stdout, as without --out. */
export const STDOUT = '-';

function kindOf(st: ReturnType<typeof statSync>): string {
  if (st === undefined) return 'nothing';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Throws an InputError unless `path` is stdout, does not exist yet, or is a regular file (a symlink is
 * judged by what it points to). Commands call it before running, so a bad `--out` costs no run.
 */
export function checkOutPath(path: string, flag = '--out'): void {
  if (path === STDOUT) return;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(resolve(path), { throwIfNoEntry: false });
  } catch (e) {
    // ENOTDIR (a path below a regular file), EACCES, ELOOP: the report could not be written there
    throw new InputError(`${flag} ${path}: cannot write: ${(e as Error).message}`);
  }
  if (st === undefined || st.isFile()) return;
  throw new InputError(
    `${flag} ${path}: is ${kindOf(st)}; ${flag} writes regular files only (or - for stdout)`,
  );
}

export function writeFileAtomic(path: string, content: string, flag = '--out'): void {
  if (path === STDOUT) {
    process.stdout.write(content.endsWith('\n') ? content : `${content}\n`);
    return;
  }
  checkOutPath(path, flag);
  const target = resolve(path);
  const dir = dirname(target);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError(`${flag} ${path}: cannot create folder ${dir}: ${(e as Error).message}`);
  }
  const tmp = join(dir, `.${basename(target)}.${process.pid}.tmp`);
  try {
    rmSync(tmp, { force: true });
    writeFileSync(tmp, content, { flag: 'wx' });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(`${flag} ${path}: cannot write: ${(e as Error).message}`);
  }
}
