// `explore --shard i/n` and `shootdown merge` end to end (issue 16 item 3, by seed space): four shards
// run as four separate processes, each running every fourth scenario of the seed, and their merge prints
// byte for byte what the unsharded explore prints — the shrunk scenario, the stderr line and the exit
// code; `--json` and `--out` alike; also when no shard finds anything. A malformed --shard, a shard
// without --out or with --time, and shards that are not one run's are bad input.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateExploreShardResults } from '@shootdown/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';
import { same, shards } from './helpers/shards.js';

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

// a divergence the vmalloc-perms topic documents (vfree's lazy purge without the reset), not in the
// seed's first scenario, so shards other than the first stop too and the merge must pick the lowest
const FINDS = [
  'explore',
  '--policy',
  'linux-x86',
  '--policy',
  'linux-x86:vfree=vfree-lazy-noreset',
  '--seed',
  '3',
  '--runs',
  '200',
];
// two designs of one flush that differ in cost, never in what the invariants judge
const QUIET = [
  'explore',
  '--policy',
  'linux-x86',
  '--policy',
  'linux-x86:shootdown=x86-ceiling-0',
  '--only',
  'findings',
  '--seed',
  '2',
  '--runs',
  '60',
];

interface ShardDoc {
  drawn: number;
  shard: { index: number };
  stop?: { scenario: number; kind: string };
}

describe('explore --shard and merge', () => {
  it('4 shard processes merge into the unsharded explore, byte for byte (text, --json, --out)', async () => {
    const out = join(home.dir, 'whole.yaml');
    const [whole, wholeJson, files] = await Promise.all([
      runCli([...FINDS, '--jobs', '1'], home),
      runCli([...FINDS, '--jobs', '1', '--json', '--out', out], home),
      shards(home, FINDS, 4, 'finds'),
    ]);
    expect(whole.code, describeRun(whole)).toBe(1);
    const docs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as ShardDoc);
    for (const d of docs) expect(validateExploreShardResults(d)).toEqual([]);
    // each shard stopped in its own share; the unsharded run stopped at the lowest of them
    const stops = docs.map((d) => d.stop!.scenario);
    docs.forEach((d, i) => expect((d.stop!.scenario - 1) % 4).toBe(i));
    expect(new Set(stops).size).toBe(4);
    const k = Math.min(...stops);
    expect(whole.stderr).toContain(`explore: scenario ${k} of seed 3 diverges`);
    same(await runCli(['merge', ...[...files].reverse()], home), whole);
    const mergedOut = join(home.dir, 'merged.yaml');
    const mergedJson = await runCli(['merge', ...files, '--json', '--out', mergedOut], home);
    expect(mergedJson.code, describeRun(mergedJson)).toBe(1);
    // the JSON names the file it wrote: the same document apart from that name
    expect(mergedJson.stdout.replace(mergedOut, out)).toBe(wholeJson.stdout);
    expect(readFileSync(mergedOut, 'utf8')).toBe(readFileSync(out, 'utf8'));
  }, 600_000);

  it('merges shards that found nothing into the unsharded "no divergence"', async () => {
    const [whole, files] = await Promise.all([
      runCli([...QUIET, '--jobs', '1'], home),
      shards(home, QUIET, 4, 'quiet'),
    ]);
    expect(whole.code, describeRun(whole)).toBe(0);
    expect(whole.stderr).toBe('explore: no divergence in 60 scenarios (seed 2)\n');
    for (const f of files) {
      const d = JSON.parse(readFileSync(f, 'utf8')) as ShardDoc;
      expect(d.stop).toBeUndefined();
      expect(d.drawn).toBe(60);
    }
    same(await runCli(['merge', ...files], home), whole);
  }, 600_000);

  it('refuses bad shard input with exit 2 and a clear message', async () => {
    const files = [1, 2, 3, 4].map((i) => join(home.dir, `quiet-${i}.json`));
    const bad = async (args: readonly string[], message: string | RegExp): Promise<void> => {
      const r = await runCli(args, home);
      expect(r.code, describeRun(r)).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at [\w.<>]+ \(/);
    };
    await bad([...QUIET, '--shard', '0/4', '--out', 'x.json'], /--shard 0\/4: shards are numbered 1 to 4/);
    await bad([...QUIET, '--shard', 'two/4', '--out', 'x.json'], /--shard two\/4: expected i\/n/);
    await bad([...QUIET, '--shard', '1/4'], /--shard 1\/4: needs --out FILE/);
    await bad([...QUIET, '--shard', '1/4', '--out', 'x.json', '--time', '5'], /--shard and --time cannot/);
    await bad(['merge', ...files.slice(0, 3)], /missing shard 4\/4 of explore --seed 2 --runs 60/);
    await bad(['merge', files[0]!, files[0]!, ...files.slice(1)], /shard 1\/4 is given twice/);
    await bad(['merge', ...files, '--format', 'markdown'], /--format is compare's; these are explore shards/);
    // another seed is another run
    const other = join(home.dir, 'other-seed.json');
    const o = await runCli(
      [...QUIET.slice(0, -4), '--seed', '5', '--runs', '60', '--shard', '4/4', '--out', other],
      home,
    );
    expect(o.code, describeRun(o)).toBe(0);
    await bad(['merge', ...files.slice(0, 3), other], /shards of different runs/);
    // a file edited to stop outside its share
    const doc = JSON.parse(readFileSync(files[1]!, 'utf8')) as Record<string, unknown>;
    const forged = join(home.dir, 'forged.json');
    writeFileSync(
      forged,
      JSON.stringify({
        ...doc,
        stop: { kind: 'divergence', scenario: 1, signature: 's', shrinks: 0, steps: 1, yaml: 'x' },
      }),
    );
    await bad(
      ['merge', files[0]!, forged, files[2]!, files[3]!],
      /cannot stop at scenario 1: it is not in its share/,
    );
    const notJson = join(home.dir, 'not.json');
    writeFileSync(notJson, 'steps: []\n');
    await bad(['merge', notJson], /not\.json: not a shootdown results file/);
  }, 600_000);
});
