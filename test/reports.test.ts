// The reports people read (issue 15): the README's own command fits 100 columns when stdout is not a
// terminal (the documented default), `--only diverging`, Markdown and text for a review.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';

/** The review's two columns: today's vfree and the pre-5.2 module loader (README quick start). */
const TWO = ['--policy', 'linux-x86', '--policy', 'linux-x86:vfree=module-free-pre52'];

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

/** Terminal columns of the widest line (the box and key glyphs are one column each). */
function widest(text: string): number {
  return Math.max(...text.split('\n').map((l) => [...l].length));
}

describe('tables that fit', () => {
  it("lays the README's quick-start comparison out in 100 columns, selections as rows", async () => {
    const r = await runCli(['compare', 'vfree-exec-reuse', '--vary', 'linux-x86:vfree'], home);
    // some variants break invariants their policy claims (README): exit 1, the report printed in full
    expect(r.code, describeRun(r)).toBe(1);
    expect(widest(r.stdout)).toBeLessThanOrEqual(100);
    expect(r.stdout).toMatch(/│ step │ cpu │ op +│ expect +│ selections │ outcome +│/);
    // the divergence: the variants without a flush before reuse still execute through the stale TLB entry
    expect(r.stdout).toMatch(/│ ▶ 5 +│ 2 +│ access +│ fault:not-present +│ A D–H +│ fault:not-present +│/);
    expect(r.stdout).toContain('  B = linux-x86:vfree=vfree-lazy-noreset');
  });

  it('gives a review two columns of Markdown within 100 columns', async () => {
    const r = await runCli(['compare', 'vfree-exec-reuse', ...TWO, '--format', 'markdown'], home);
    expect(r.code, describeRun(r)).toBe(1);
    expect(widest(r.stdout)).toBeLessThanOrEqual(100);
    expect(r.stdout).toContain(
      '| step | cpu | op | expect | `linux-x86` | `linux-x86:vfree=module-free-pre52` |',
    );
  });

  it('--only diverging leaves out the steps where every selection did the same', async () => {
    const r = await runCli(
      ['compare', 'vfree-exec-reuse', '--vary', 'linux-x86:vfree', '--only', 'diverging', '--format', 'text'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(1);
    const steps = r.stdout.split('\n\n').find((b) => /^step +cpu +op +expect /.test(b))!;
    const shown = steps.split('\n').flatMap((l) => /^(?:> )?(\d+) /.exec(l)?.[1] ?? []);
    // steps 1 (kprotect) and 2 (access) agree under every variant; 0, 3, 4, 5 and 6 differ
    expect(shown).toEqual(['0', '3', '4', '5', '6']);
    expect(r.stdout).toContain('only the rows where the selections differ are shown');
  });

  it('refuses --only with a format that has no rows, before running anything', async () => {
    const r = await runCli(
      ['compare', 'vfree-exec-reuse', '--vary', 'linux-x86:vfree', '--only', 'diverging', '--format', 'json'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      '--only diverging filters the rows of table, text, markdown; not --format json',
    );
  });
});

describe('KTAP agrees with the exit code (Documentation/dev-tools/ktap.rst)', () => {
  const topLevel = (ktap: string): string[] => ktap.split('\n').filter((l) => /^(not )?ok /.test(l));

  it('passes every run that matches the catalogue verdicts, broken invariants included (exit 0)', async () => {
    const r = await runCli(
      [
        'compare',
        'vfree-exec-reuse',
        '--vary',
        'linux-x86:vfree',
        '--expect',
        'vmalloc-perms',
        '--format',
        'ktap',
      ],
      home,
    );
    expect(r.code, describeRun(r)).toBe(0);
    // one test per variant, nine, all passing
    expect(topLevel(r.stdout)).toHaveLength(9);
    expect(topLevel(r.stdout).every((l) => l.startsWith('ok '))).toBe(true);
    // module-free-pre52 breaks wx-alias, as its verdict line says: expected, not a failure
    expect(r.stdout).toMatch(/\n {2}ok \d+ invariants # XFAIL verdict line \d+: violates [^\n]*wx-alias/);
    expect(r.stdout).not.toMatch(/^\s*not ok /m);
  });

  it('fails exactly the run that disagrees with its verdict line (exit 1)', async () => {
    const file = join(home.dir, 'expected');
    writeFileSync(
      file,
      [
        'vfree-exec-reuse linux-x86 holds',
        'vfree-exec-reuse linux-x86:vfree=module-free-pre52 holds',
        '',
      ].join('\n'),
    );
    const r = await runCli(
      ['compare', 'vfree-exec-reuse', ...TWO, '--expect', file, '--format', 'ktap'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(1);
    expect(topLevel(r.stdout)).toEqual([
      'ok 1 vfree-exec-reuse:linux-x86',
      'not ok 2 vfree-exec-reuse:linux-x86:vfree=module-free-pre52',
    ]);
    expect(r.stdout).toMatch(/\n {2}not ok 9 verdict # violates /);
  });
});

describe('compare --write-expect (the verdict file of what just ran)', () => {
  it('writes a verdict file that the same runs then match under --expect', async () => {
    const file = join(home.dir, 'pinned', 'expected');
    const w = await runCli(['compare', 'vfree-exec-reuse', ...TWO, '--write-expect', file], home);
    // the findings still exit 1: writing the file pins them, it does not hide them
    expect(w.code, describeRun(w)).toBe(1);
    expect(w.stderr).toContain(`verdicts: 2 runs written to ${file}`);
    expect(readFileSync(file, 'utf8')).toContain(
      'tlb adversarial\n\nvfree-exec-reuse linux-x86 holds\nvfree-exec-reuse linux-x86:vfree=module-free-pre52 violates stale-after-free,stale-exec-alias,wx-alias\n',
    );
    const c = await runCli(['compare', 'vfree-exec-reuse', ...TWO, '--expect', file], home);
    expect(c.code, describeRun(c)).toBe(0);
    expect(c.stderr).toContain('verdicts: 2 of 2 runs match');
  });

  it.each([
    [['--write-expect', '-'], 'writes a file; - (stdout) is where the report goes'],
    [['--write-expect', 'x', '--expect', 'vmalloc-perms'], '--write-expect and --expect cannot be combined'],
    [['--write-expect', '.'], 'is a directory'],
  ])('refuses %j before running anything (exit 2)', async (flags, message) => {
    const r = await runCli(['compare', 'vfree-exec-reuse', ...TWO, ...flags], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });

  it('leaves an existing file untouched when the command stops on bad input', async () => {
    const dir = join(home.dir, 'keep');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'expected');
    writeFileSync(file, 'old\n');
    const r = await runCli(['compare', 'no-such-scenario', ...TWO, '--write-expect', file], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['expected']);
  });
});

describe('oclif conventions: help, -h, completion, a mistyped command', () => {
  it('answers `help <command>` and `-h` with the command help (@oclif/plugin-help)', async () => {
    const help = await runCli(['help', 'compare'], home);
    expect(help.code, describeRun(help)).toBe(0);
    expect(help.stdout).toContain('$ shootdown compare SCENARIO...');
    expect(help.stdout).toContain('--write-expect');
    const h = await runCli(['compare', '-h'], home);
    expect(h.code, describeRun(h)).toBe(0);
    expect(h.stdout).toBe(help.stdout);
  });

  it('builds shell completion that knows the commands (@oclif/plugin-autocomplete)', async () => {
    const r = await runCli(['autocomplete', 'script', 'bash'], home);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toContain('SHOOTDOWN_AC_BASH_SETUP_PATH');
    const zsh = await runCli(['autocomplete', 'zsh'], home);
    expect(zsh.code, describeRun(zsh)).toBe(0);
    const functions = readFileSync(
      join(home.dir, 'cache', 'shootdown', 'autocomplete', 'functions', 'zsh', '_shootdown'),
      'utf8',
    );
    expect(functions).toContain('compare');
  });

  it.each([
    [['compar', 'vfree-exec-reuse'], 'compar', "did you mean 'compare'?"],
    [['plugins', 'instal', 'x'], 'plugins instal', "did you mean 'plugins install'?"],
  ])('names the closest command for %j, exit 2', async (argv, typed, hint) => {
    const r = await runCli(argv, home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain(`error: '${typed}' is not a shootdown command`);
    expect(r.stderr).toContain(hint);
  });

  it('suggests nothing for a word that is no typo of a command', async () => {
    const r = await runCli(['frobnicate'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).not.toContain('did you mean');
  });
});

describe('one JSON shape for --json and --format json', () => {
  it.each([[['vfree-exec-reuse']], [['vfree-exec-reuse', 'arch-vunmap-33-pages']]])(
    'prints the same document either way for %j: { comparisons: [one per scenario] }',
    async (scenarios) => {
      const args = ['compare', ...scenarios, ...TWO];
      const [a, b] = await Promise.all([
        runCli([...args, '--json'], home),
        runCli([...args, '--format', 'json'], home),
      ]);
      expect(a.code, describeRun(a)).toBe(1);
      expect(b.code, describeRun(b)).toBe(1);
      expect(b.stdout).toBe(a.stdout);
      const doc = JSON.parse(b.stdout) as { comparisons: { scenario: string }[] };
      expect(doc.comparisons.map((c) => c.scenario)).toEqual(scenarios);
    },
  );
});
