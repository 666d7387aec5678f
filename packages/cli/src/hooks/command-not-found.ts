// A mistyped command: the closest command by the one "did you mean" every other name goes through
// (core's `closest`), as bad input — a plain message on stderr and exit 2, as for a mistyped policy or
// variant. oclif's @oclif/plugin-not-found is not used: it has a distance rule of its own (the nearest
// command however far), shows its suggestion only as an interactive prompt (nothing when stdin is not a
// terminal) and exits 127.
import { toConfiguredId, type Hook } from '../oclif.js';
import { closest } from '@shootdown/core';

const hook: Hook.CommandNotFound = async function (opts) {
  const hidden = new Set(opts.config.commands.filter((c) => c.hidden).map((c) => c.id));
  const ids = [...opts.config.commandIDs, ...opts.config.commands.flatMap((c) => c.aliases)]
    .filter((id) => !hidden.has(id))
    .map((id) => toConfiguredId(id, opts.config));
  // with topics separated by spaces oclif's id runs on into the arguments (`compar x` → `compar:x`):
  // the typed command is the known topics, then one word
  const parts = opts.id.split(':');
  let k = 0;
  while (k < parts.length - 1 && opts.config.findTopic(parts.slice(0, k + 1).join(':')) !== undefined) k++;
  const typed = toConfiguredId(parts.slice(0, k + 1).join(':'), opts.config);
  const near = closest(typed, ids);
  const bin = opts.config.bin;
  const lines = [`error: '${typed}' is not a ${bin} command`];
  if (near !== undefined) lines.push(`  did you mean '${near}'?`);
  lines.push(`  '${bin} help' lists the commands`);
  process.stderr.write(lines.join('\n') + '\n');
  this.exit(2);
  return Promise.resolve();
};

export default hook;
