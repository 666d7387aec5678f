// tsyringe's root container, the parent of every run's child container, loaded the first time a run needs
// it. tsyringe as published for Node is ~33 CommonJS modules (its index re-exports each decorator, factory
// and provider from a file of its own), ~15 ms of CPU per thread to require on this machine — a twentieth
// of the CLI's budget for a whole `run` (DESIGN §8), paid again in each run worker. The build writes the
// same library as one file (dist/vendor/tsyringe.cjs, scripts/bundle-dist.js --vendor) with a V8 code
// cache (core's code-cache.ts): ~3 ms. From a source checkout without a build the package itself is used.
//
// A second copy of tsyringe beside the package's is harmless here: the runner only creates child
// containers of this root and hands them to the policies, which register values and factories on them
// through the container's own methods (TOOLCHAIN "tsyringe": no decorated classes, tokens are Symbol.for
// names). A caller that wants another parent passes it (RunOptions.container) and this file is not loaded.
// reflect-metadata, which tsyringe requires at load, came with @shootdown/core.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '@shootdown/core';
import type { DependencyContainer } from 'tsyringe';

let root: DependencyContainer | undefined;

export function rootContainer(): DependencyContainer {
  if (root === undefined) {
    // from dist/runner/ and from src/runner/ alike: the package's dist/vendor, with its code cache
    const vendored = fileURLToPath(new URL('../../dist/vendor/tsyringe.cjs', import.meta.url));
    const lib = (
      existsSync(vendored) ? requireWithCodeCache(vendored) : createRequire(import.meta.url)('tsyringe')
    ) as typeof import('tsyringe');
    root = lib.container;
  }
  return root;
}
