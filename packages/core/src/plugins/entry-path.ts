// A plug-in's `entry` is code the CLI imports and runs: it must be a file of the plug-in's own package.
// `./../other/index.js`, an absolute-looking path or a symlink pointing out of the folder would let a
// manifest make the CLI import code that the installed package does not contain.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** The real path of `entry` inside `dir`, or throws saying why it is refused. */
export async function containedEntry(dir: string, entry: string): Promise<string> {
  if (entry.split(/[\\/]/).includes('..')) {
    throw new Error(`entry ${entry} leaves the package folder ('..' is not allowed)`);
  }
  let root: string;
  let target: string;
  try {
    root = await realpath(dir);
    target = await realpath(resolve(dir, entry));
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new Error(`entry ${entry} cannot be found${code === undefined ? '' : ` (${code})`}`);
  }
  const rel = relative(root, target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new Error(`entry ${entry} resolves outside the package folder (a symlink to ${target})`);
  }
  return target;
}
