#!/usr/bin/env node
// `--version` is answered before oclif loads (see src/version-line.ts); everything else goes to oclif.
import { fastVersionLine } from '../dist/version-line.js';

const line = fastVersionLine(process.argv.slice(2));
if (line !== undefined) {
  process.stdout.write(line + '\n');
} else {
  // The root package.json's `engines` is the one that matters; oclif's own check of its engines field
  // (semver at import time) is a tenth of a short call.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
  // reflect-metadata must be loaded before tsyringe is imported anywhere (core, engine, plug-ins).
  await import('../dist/reflect-metadata.js');
  const { execute } = await import('../dist/oclif.js');
  await execute({ dir: import.meta.url });
  // `run` has awaited everything it started (its run, a worker pool's close, its writes) when execute
  // returns; what a natural exit still does is V8's and node's teardown — finishing a garbage collection
  // the run's heap started, a turn of the loop for beforeExit — ~15–30 ms of CPU of a ~0.25 s call
  // (DESIGN §8). So it exits as soon as stdout and stderr have written everything (writes to a pipe are
  // asynchronous on POSIX), with the exit code the command set.
  if (process.argv[2] === 'run') {
    process.stdout.write('', () => process.stderr.write('', () => process.exit()));
  }
}
