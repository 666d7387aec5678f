// Build step after the vendored @oclif/core is written: its V8 code cache (core's code-cache.ts), taken
// after a one-scenario `run` went through it in this process — the config and plug-in load, the command
// lookup and import, the flag parser, the command's run — so the functions every call compiles are in the
// cache too, not only the file's top level. The report goes to a temporary file (--out), not the build log.
// The stale cache of an earlier build is removed first.
import '../dist/reflect-metadata.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeCachePath, writeCodeCache } from '@shootdown/core';

const file = fileURLToPath(new URL('../dist/vendor/oclif-core.cjs', import.meta.url));
rmSync(codeCachePath(file), { force: true });
const { execute, vendoredOclif } = await import('../dist/oclif.js');
if (vendoredOclif !== file) throw new Error(`the CLI loads ${vendoredOclif}, not ${file}`);

const dir = mkdtempSync(join(tmpdir(), 'shootdown-code-cache-'));
try {
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
  await execute({
    dir: new URL('../bin/run.js', import.meta.url).href,
    args: ['run', 'vfree-exec-reuse', '--policy', 'linux-x86', '--out', join(dir, 'report.txt')],
  });
  if (!readFileSync(join(dir, 'report.txt'), 'utf8').startsWith('vfree-exec-reuse'))
    throw new Error('the run wrote no report');
  process.exitCode = 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeCodeCache(file);
