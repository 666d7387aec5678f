// The yaml library, loaded the first time a scenario's text is parsed rather than when the engine is
// imported: a run worker receives scenarios already loaded and never parses one, and `yaml` as published
// for Node is ~70 CommonJS modules (~45 ms of CPU per thread to load, a sixth of the CLI's budget for a
// whole `run`). The build writes the same library as one file (dist/vendor/yaml.cjs, scripts/bundle-dist.js
// --vendor), with a V8 code cache (core's code-cache.ts); from a source checkout without a build the
// package itself is loaded. Several copies of yaml are safe to mix: its node kinds are Symbol.for() tags
// (yaml dist/nodes/identity.js), not classes.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '@shootdown/core';

type Yaml = typeof import('yaml');

let lib: Yaml | undefined;

export function yaml(): Yaml {
  if (lib === undefined) {
    // from dist/scenario/ and from src/scenario/ alike: the package's dist/vendor, with its code cache
    const vendored = fileURLToPath(new URL('../../dist/vendor/yaml.cjs', import.meta.url));
    lib = (
      existsSync(vendored) ? requireWithCodeCache(vendored) : createRequire(import.meta.url)('yaml')
    ) as Yaml;
  }
  return lib;
}
