// Build step after the validators are precompiled and yaml, cli-table3, tsyringe, string-width and
// wrap-ansi are vendored: their V8 code caches (core's code-cache.ts), taken after the engine's own loader
// read a scenario through the first two, a table was drawn with the third, a child container registered and
// resolved a value through the fourth and the last two measured and wrapped a line — what every `run` does
// with them first — so the functions that compiled are in the caches too.
// Stale caches of an earlier build are removed first.
import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { codeCachePath, requireWithCodeCache, writeCodeCache } from '@shootdown/core';
import { loadScenarioText } from '../dist/bundle/index.js';

const files = [
  '../dist/vendor/yaml.cjs',
  '../dist/scenario/precompiled-validators.cjs',
  '../dist/vendor/cli-table3.cjs',
  '../dist/vendor/tsyringe.cjs',
  '../dist/vendor/string-width.cjs',
  '../dist/vendor/wrap-ansi.cjs',
].map((f) => fileURLToPath(new URL(f, import.meta.url)));
for (const f of files) rmSync(codeCachePath(f), { force: true });

// the common ops of the catalogue: processes, mappings, keys, kernel memory, accesses
const SAMPLE = `name: code-cache-sample
description: 'Exercises the loader for the build (not a catalogue scenario).'
params: { pages: 4 }
machine: { cpus: 2, memory: 64MiB, tlb: adversarial }
steps:
  - { op: process, id: p }
  - { op: run, cpu: 0, process: p }
  - { op: key-alloc, cpu: 0, id: k }
  - { op: mmap, cpu: 0, id: heap, pages: 2, prot: rw, flags: [populate] }
  - { op: key-assign, cpu: 0, key: k, region: heap }
  - { op: set-key-rights, cpu: 0, key: k, rights: none }
  - { op: access, cpu: 0, region: heap, kind: read, expect: fault:key }
  - { op: mprotect, cpu: 0, region: heap, prot: r }
  - { op: munmap, cpu: 0, region: heap }
  - { op: kalloc, id: mod, pages: $pages, flags: [reset-perms] }
  - { op: kprotect, region: mod, prot: rx }
  - { op: access, cpu: 1, region: mod, kind: exec, expect: ok }
  - { op: kfree, region: mod, counters: { kflush: 1 } }
  - { op: page-alloc, id: reuse, pages: $pages, reuse: mod }
  - { op: access, cpu: 1, region: { frame-of: reuse, page: 0 }, via: direct-map, kind: write, expect: ok }
`;
const loaded = loadScenarioText(SAMPLE, 'code-cache-sample.yaml');
if (!loaded.ok) throw new Error(`the sample does not load: ${JSON.stringify(loaded.errors)}`);
// a table as the renderers draw one (render/grid.ts): a head, word-wrapped cells, a span
const Table = requireWithCodeCache(files[2]);
const table = new Table({
  head: ['step', 'op', 'outcome'],
  colWidths: [6, 10, 12],
  wordWrap: true,
  wrapOnWordBoundary: true,
  style: { head: [], border: [], compact: true, 'padding-left': 1, 'padding-right': 1 },
});
table.push(['0', 'kalloc', 'ok'], [{ colSpan: 2, content: 'counters' }, 'kflush: 1 of 2']);
if (!table.toString().includes('kalloc')) throw new Error('cli-table3 drew no table');
// a run's child container as runner/run.ts and release.ts use one: values registered, resolved, reset
const { container } = requireWithCodeCache(files[3]);
const child = container.createChildContainer();
const token = Symbol.for('@shootdown/engine:code-cache-sample');
child.register(token, { useValue: 1 });
if (!child.isRegistered(token, true) || child.resolve(token) !== 1)
  throw new Error('tsyringe resolved nothing');
child.reset();
await child.dispose();
// display widths and wrapped prose as render/grid.ts measures and wraps them
if (requireWithCodeCache(files[4])('kflush: 1 of 2 — 漢字') !== 21)
  throw new Error('string-width measured wrong');
if (!requireWithCodeCache(files[5])('one two three four', 8, { hard: true, trim: false }).includes('\n'))
  throw new Error('wrap-ansi wrapped nothing');
for (const f of files) writeCodeCache(f);
