// @oclif/core as the CLI uses it: the build's one-file copy (dist/vendor/oclif-core.cjs, written by
// scripts/bundle-dist.js --vendor @oclif/core), required rather than imported. The package is ~160
// CommonJS modules (its own, semver's 47, …) and Node 20 pays per module: importing it cost ~90 ms of CPU
// on every call, the one file ~45 ms, compiled from the V8 code cache the build wrote beside it
// (scripts/write-code-cache.js, core's code-cache.ts) ~20 ms (DESIGN §8, the CLI budget). Its module loader
// imports the commands through this module's import(). Every module of the CLI and bin/run.js
// take oclif from here, so the commands, their base class, the parser and the Config that runs them are
// one copy. oclif's own plug-ins (help, autocomplete, plugins) keep requiring the package itself when one
// of their commands runs; they meet this copy only through objects it hands them (config, argv), as any
// plug-in built against another @oclif/core 4 release does.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as OclifCore from '@oclif/core';
import { requireWithCodeCache } from '@shootdown/core';

/** The build's one-file copy. */
export const vendoredOclif = fileURLToPath(new URL('./vendor/oclif-core.cjs', import.meta.url));
// without a build's vendor folder (tests run from sources) the package itself
const core = (
  existsSync(vendoredOclif)
    ? requireWithCodeCache(vendoredOclif, (specifier) => import(specifier))
    : createRequire(import.meta.url)('@oclif/core')
) as typeof OclifCore;

export const { Args, Command, Config, Flags, execute, toConfiguredId } = core;
export type Command = OclifCore.Command;
export type Config = OclifCore.Config;
export type { Hook } from '@oclif/core';
