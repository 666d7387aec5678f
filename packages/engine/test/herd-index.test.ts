// herd index files (herdtools7 lib/misc.ml read_filenames / is_list): a file named `@…` lists test paths
// relative to its folder, and a listed `@…` file is an index in turn; on the command line `@path` also
// names the index `path`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { herd } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'herd-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'sub'));
writeFileSync(join(dir, '@all'), '# every test\nA.litmus\n\nsub/@more\n');
writeFileSync(join(dir, 'sub', '@more'), 'B.litmus\n@loop\n');
writeFileSync(join(dir, 'sub', '@loop'), '@more\n');
writeFileSync(join(dir, 'list'), 'C.litmus\n');

describe('herd index files', () => {
  it('expands an index named @…, nested indexes relative to their own folder', () => {
    writeFileSync(join(dir, 'sub', '@more'), 'B.litmus\n');
    expect(herd.expandLitmusArgument('@all', dir)).toEqual([
      join(dir, 'A.litmus'),
      join(dir, 'sub', 'B.litmus'),
    ]);
    expect(herd.expandLitmusArgument(join(dir, '@all'))).toEqual([
      join(dir, 'A.litmus'),
      join(dir, 'sub', 'B.litmus'),
    ]);
  });

  it('reads `@path` on the command line as the index path, and a plain path as a test', () => {
    expect(herd.expandLitmusArgument('@list', dir)).toEqual([join(dir, 'C.litmus')]);
    expect(herd.expandLitmusArgument('list', dir)).toEqual([join(dir, 'list')]);
  });

  it('refuses an index that includes itself and a missing index', () => {
    writeFileSync(join(dir, 'sub', '@more'), 'B.litmus\n@loop\n');
    expect(() => herd.expandLitmusArgument('@all', dir)).toThrow('the index includes itself');
    expect(() => herd.expandLitmusArgument('@nope', dir)).toThrow('no such index file');
  });
});
