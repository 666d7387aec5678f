// Build step after tsc: the package's compiled modules joined into one file, dist/bundle/index.js, which
// the package's `exports` (and a plug-in's `shootdown.entry`) point at. Node 20 has no module compile
// cache and pays per ES module (resolve, package.json lookups, read, compile, link): a one-scenario
// `run` loaded ~330 of our modules on the main thread and again in its worker, about 0.3 s of CPU per
// thread; the same code as one module per package loads in a tenth of that (DESIGN §8, the CLI budget).
//
// Everything imported by a bare name (other packages, tsyringe, node:*) stays an import, so each package
// keeps exactly one copy, shared as before. No tree-shaking: the bundle runs every module the index
// reached, in the same order. `import.meta.url` in a module becomes that module's own compiled file's URL
// (relative to the bundle, so it holds wherever the package is installed): files it names next to itself
// (schemas, precompiled validators, ajv via createRequire) are found exactly as before.
//
// `--vendor <name>` (repeatable) also writes dist/vendor/<name>.cjs: that CommonJS dependency, as the
// package resolves it, joined into one file, for a package that loads it itself (engine's yaml-lib.ts)
// and only where several copies of the library are harmless.
//
// Usage, in a package folder: node ../../scripts/bundle-dist.js [--vendor <name>]…
import { createRequire } from 'node:module';
import { isAbsolute, relative, resolve } from 'node:path';
import { rolldown } from 'rolldown';

const pkg = process.cwd();
const outDir = resolve(pkg, 'dist/bundle');
const vendored = process.argv.flatMap((a, i, all) => (all[i - 1] === '--vendor' ? [a] : []));

const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  transform(code, id) {
    if (!code.includes('import.meta.url')) return null;
    const rel = relative(outDir, id).split('\\').join('/');
    return {
      code: code.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
    };
  },
};

const bundle = await rolldown({
  input: { index: resolve(pkg, 'dist/index.js') },
  platform: 'node',
  treeshake: false,
  external: (id) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
  plugins: [ownImportMetaUrl],
});
await bundle.write({
  dir: outDir,
  format: 'esm',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
});
await bundle.close();

const require = createRequire(resolve(pkg, 'package.json'));
for (const name of vendored) {
  const lib = await rolldown({ input: require.resolve(name), platform: 'node', treeshake: false });
  await lib.write({ file: resolve(pkg, 'dist/vendor', `${name}.cjs`), format: 'cjs', codeSplitting: false });
  await lib.close();
}
