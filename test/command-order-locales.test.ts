// The build's oclif sorts commands with commandOrder (packages/cli/src/command-order.ts), which skips ICU
// only where the locale node collates in orders those ids as code units do. In a child per locale (node
// fixes ICU's default locale from the environment at start), commandOrder must agree with localeCompare
// on ids where locales disagree: Lithuanian sorts y before j, Danish aa after z.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

const IDS = [
  'y',
  'j',
  'yank',
  'jump',
  'aab',
  'zz',
  'run',
  'import:herd',
  'import-x',
  'help',
  'ab',
  'ch',
  'h',
  'z',
];

/** Pairs of IDS on which commandOrder and localeCompare disagree, under `env`. */
function disagreements(env: Record<string, string>): number {
  const body = `import { commandOrder } from ${JSON.stringify(`${repoRoot}packages/cli/dist/command-order.js`)};
const ids = ${JSON.stringify(IDS)};
let n = 0;
for (const x of ids) for (const y of ids) if (Math.sign(commandOrder(x, y)) !== Math.sign(x.localeCompare(y))) n++;
process.stdout.write(String(n));`;
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !['LC_ALL', 'LC_MESSAGES', 'LANG'].includes(k)),
  );
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', body], {
      env: { ...base, ...env },
      encoding: 'utf8',
    }),
  );
}

describe('commandOrder under locales', () => {
  const envs: Record<string, string>[] = [
    {},
    { LANG: 'C.UTF-8' },
    { LANG: 'POSIX' },
    { LANG: 'en_GB.UTF-8' },
    { LANG: 'lt_LT.UTF-8' },
    { LANG: 'da_DK.UTF-8' },
    { LANG: 'en_US.UTF-8', LC_MESSAGES: 'lt_LT.UTF-8' },
    { LANG: 'lt_LT.UTF-8', LC_ALL: '' },
  ];
  for (const env of envs) {
    it(`agrees with localeCompare under ${JSON.stringify(env)}`, () => {
      expect(disagreements(env)).toBe(0);
    });
  }
});
