import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkOutPath, writeFileAtomic } from '../src/atomic-write.js';
import { InputError } from '../src/errors.js';

describe('--out atomic write', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'shootdown-cli-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('replaces the target and leaves no temporary file behind', () => {
    const d = tmp();
    const target = join(d, 'report.md');
    writeFileSync(target, 'old');
    writeFileAtomic(target, 'new');
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(readdirSync(d)).toEqual(['report.md']);
  });

  it('creates missing folders', () => {
    const d = tmp();
    writeFileAtomic(join(d, 'a', 'b', 'out.json'), '{}');
    expect(readFileSync(join(d, 'a', 'b', 'out.json'), 'utf8')).toBe('{}');
  });

  it('reports an unwritable target as bad input', () => {
    const d = tmp();
    writeFileSync(join(d, 'file'), 'x');
    // A path below a regular file cannot be created.
    expect(() => writeFileAtomic(join(d, 'file', 'out.txt'), 'y')).toThrow(InputError);
  });
});

describe('--out writes regular files only (issue 13)', () => {
  it('refuses a device, a directory and a FIFO before anything is written, and accepts - and new files', () => {
    expect(() => checkOutPath('/dev/null')).toThrow(InputError);
    expect(() => checkOutPath('/dev/null')).toThrow(
      '--out /dev/null: is a device; --out writes regular files only',
    );
    const d = mkdtempSync(join(tmpdir(), 'shootdown-out-'));
    try {
      expect(() => checkOutPath(d)).toThrow(`--out ${d}: is a directory`);
      expect(() => writeFileAtomic(d, 'x')).toThrow(InputError);
      execFileSync('mkfifo', [join(d, 'fifo')]);
      expect(() => checkOutPath(join(d, 'fifo'))).toThrow('is a FIFO');
      expect(() => checkOutPath('-')).not.toThrow();
      expect(() => checkOutPath(join(d, 'new.txt'))).not.toThrow();
      writeFileSync(join(d, 'old.txt'), 'x');
      expect(() => checkOutPath(join(d, 'old.txt'))).not.toThrow();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
