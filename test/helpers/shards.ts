// Sharded runs end to end (compare --shard, explore --shard): the shards as separate processes, and the
// check that a merge printed what the unsharded run printed.
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, runCli, type CliHome, type CliResult } from './cli.js';

/** Runs `args` as `count` shards, one process each (all at once), into files named after `tag`. */
export async function shards(
  home: CliHome,
  args: readonly string[],
  count: number,
  tag: string,
): Promise<string[]> {
  const files = Array.from({ length: count }, (_, i) => join(home.dir, `${tag}-${i + 1}.json`));
  const runs = await Promise.all(
    files.map((f, i) => runCli([...args, '--shard', `${i + 1}/${count}`, '--out', f, '--jobs', '1'], home)),
  );
  for (const r of runs) expect(r.code, describeRun(r)).toBe(0);
  return files;
}

/** The merge printed exactly what the unsharded run printed: stdout, stderr and exit code. */
export function same(merged: CliResult, whole: CliResult): void {
  expect(merged.code, describeRun(merged)).toBe(whole.code);
  expect(merged.stdout).toBe(whole.stdout);
  expect(merged.stderr).toBe(whole.stderr);
}
