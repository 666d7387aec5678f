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
// A CommonJS dependency (tsyringe, reflect-metadata, …) is required, not imported: an ES import of a
// CommonJS module makes Node scan its source for export names, and those of every module it re-exports
// (tsyringe re-exports ~30): 50 ms of CPU per thread for tsyringe, 18 ms when required. Only where the
// import and the require name the same file (no "import" condition, not type: module), so it is the
// same instance either way, cached once.
//
// `--vendor <name>` (repeatable) also writes dist/vendor/<name>.cjs (`@scope/name` → `scope-name.cjs`):
// that CommonJS dependency, as the package resolves it, joined into one file with the dependencies it
// declares, for a package that loads it itself (engine's yaml-lib.ts, the CLI's oclif.ts) and only where
// several copies of the library are harmless. What a module requires without declaring it (oclif's
// optional `typescript`, for a TypeScript plug-in in development) stays a require, resolved at run time
// as before. `--no-bundle`: only the vendored files (a package whose modules must stay separate files).
// A vendored file's import() expressions call the wrapper parameter core's code-cache.ts passes instead
// (DYNAMIC_IMPORT): evaluated there with its code cache, the file has no import() of its own on Node 20.
// Required as usual, the parameter is absent and the file imports by itself, as before.
// `--vendor-plugin <file>` (repeatable, relative to the package): a rolldown plug-in (the module's default
// export) the vendored files are built with, for a change the package makes to its copy of a dependency.
//
// `--entry <file>` and `--entry-dir <dir>` (repeatable, relative to dist/): bundle each of these modules
// instead of dist/index.js, to the same path under dist/bundle/ (a folder's every .js file: oclif's command
// folder). Each is one self-contained file with the package's modules it reaches, so a call loads one
// module of the package, not one per source file; a module two entries reach is copied into both. That
// suits a package whose entries each run alone — the CLI, one command per process, with no state of its
// own kept between modules (what they share, the engine, core, oclif, is external and one copy) — and
// measured better than shared chunks: a one-scenario `run` loaded 14 modules of the CLI as chunks, ~5 ms
// of CPU more than one file; one chunk of everything shared made every command load yaml.
//
// Usage, in a package folder:
//   node ../../scripts/bundle-dist.js [--no-bundle] [--vendor <name>]… [--vendor-plugin <file>]…
//     [--entry <file>]… [--entry-dir <dir>]…
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';

const pkg = process.cwd();
const outDir = resolve(pkg, 'dist/bundle');
const valuesOf = (flag) => process.argv.flatMap((a, i, all) => (all[i - 1] === flag ? [a] : []));
const vendored = valuesOf('--vendor');
const vendorPlugins = await Promise.all(
  valuesOf('--vendor-plugin').map(async (f) => (await import(pathToFileURL(resolve(pkg, f)).href)).default),
);
const bundleOwn = !process.argv.includes('--no-bundle');

/** The bundle's entries, name (its path under dist/bundle/, without .js) → compiled module. */
function entries() {
  const files = [
    ...valuesOf('--entry'),
    ...valuesOf('--entry-dir').flatMap((dir) =>
      readdirSync(resolve(pkg, 'dist', dir), { recursive: true })
        .filter((f) => f.endsWith('.js'))
        .map((f) => join(dir, f)),
    ),
  ];
  if (files.length === 0) files.push('index.js');
  return Object.fromEntries(
    files.sort().map((f) => [f.slice(0, -'.js'.length).split('\\').join('/'), resolve(pkg, 'dist', f)]),
  );
}

/** Marks a compiled module's own path in a chunk until the chunk's place in dist/bundle/ is known. */
const OWN_URL = '__shootdown_own_url__:';
const OWN_URL_LITERAL = /(["'])__shootdown_own_url__:([^"']*)\1/g;

const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  transform(code, id) {
    if (id.startsWith('\0') || !code.includes('import.meta.url')) return null;
    return {
      code: code.replaceAll(
        'import.meta.url',
        `new URL(${JSON.stringify(OWN_URL + id)}, import.meta.url).href`,
      ),
    };
  },
  // the module's compiled file relative to the chunk it ended up in (entries may sit in subfolders)
  renderChunk(code, chunk) {
    if (!code.includes(OWN_URL)) return null;
    const from = dirname(resolve(outDir, chunk.fileName));
    return {
      code: code.replace(OWN_URL_LITERAL, (_, _q, id) =>
        JSON.stringify(relative(from, id).split('\\').join('/')),
      ),
    };
  },
};

const require = createRequire(resolve(pkg, 'package.json'));

/** The package.json governing `file`. */
function packageJsonOf(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      if (dirname(dir) === dir) return {};
    }
  }
}

/** The package `file` belongs to: the nearest package.json with a name (a `{"type":…}` stub has none). */
function owningPackageOf(file) {
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (typeof pj.name === 'string') return pj;
    } catch {
      // no package.json here: look further up
    }
  }
  return {};
}

/** A bare specifier `importer`'s package does not declare: left to run-time resolution when vendoring. */
function isUndeclared(id, importer) {
  if (importer === undefined || id.startsWith('.') || isAbsolute(id) || id.startsWith('\0')) return false;
  const name = id
    .split('/')
    .slice(0, id.startsWith('@') ? 2 : 1)
    .join('/');
  if (id.startsWith('node:') || builtinModules.includes(name)) return false;
  const pj = owningPackageOf(importer);
  const declared = { ...pj.dependencies, ...pj.optionalDependencies, ...pj.peerDependencies };
  return pj.name !== name && !(name in declared);
}

/** A bare specifier whose import and require both load one CommonJS file. */
function isPlainCommonJs(name) {
  // node's own modules, ours, and the bundle's own chunks (relative) stay imports
  if (name.startsWith('node:') || name.startsWith('@shootdown/') || name.startsWith('.')) return false;
  const file = require.resolve(name);
  const pj = packageJsonOf(file);
  return (
    !file.endsWith('.mjs') && pj.type !== 'module' && !JSON.stringify(pj.exports ?? {}).includes('"import"')
  );
}

// Bundles and vendored files are written in ASCII: non-ASCII characters of strings and regular expressions
// as escapes (the same values), JSDoc comments left out (rolldown drops the other plain comments anyway).
// V8 keeps a source with any character past Latin-1 (a '—' in a comment) as a two-byte string: twice the
// memory, decoded from UTF-8 on every load and scanned by the slower two-byte path. All of ours had some;
// in ASCII a one-scenario `run` is ~5 % less CPU. Legal comments and annotations (`@__PURE__`) stay.
const ASCII_OUTPUT = { charset: 'ascii', comments: { legal: true, annotation: true, jsdoc: false } };

/** core's code-cache.ts DYNAMIC_IMPORT: the name a vendored file calls for import(). */
const DYNAMIC_IMPORT = '__dynamicImport';

/** Every node of an ESTree AST (plain objects with a `type`). */
function* nodesOf(node) {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) yield* nodesOf(n);
    return;
  }
  if (typeof node.type === 'string') yield node;
  for (const [key, value] of Object.entries(node)) if (key !== 'type') yield* nodesOf(value);
}

const dynamicImportParameter = {
  name: 'dynamic-import-parameter',
  renderChunk(code) {
    const at = [...nodesOf(this.parse(code))]
      .filter((n) => n.type === 'ImportExpression')
      .map((n) => n.start)
      .sort((a, b) => b - a);
    if (at.length === 0) return null;
    let out = code;
    for (const start of at) {
      if (out.slice(start, start + 6) !== 'import')
        throw new Error(`import() at ${start}: the parser's offsets do not fit the text`);
      out = `${out.slice(0, start)}${DYNAMIC_IMPORT}${out.slice(start + 6)}`;
    }
    // after the "use strict" prologue, which must stay the file's first statement; `var` keeps the
    // wrapper's parameter when there is one
    const prologue = /^(?:"use strict";\n)?/.exec(out)[0];
    const fallback = `var ${DYNAMIC_IMPORT} = ${DYNAMIC_IMPORT} || ((specifier) => import(specifier));\n`;
    return { code: prologue + fallback + out.slice(prologue.length) };
  },
};

const IMPORT_LINE = /^import (?:\{([^}]*)\} from )?"([^"]+)";$/gm;

const requireCommonJs = {
  name: 'require-commonjs',
  renderChunk(code) {
    let used = false;
    const out = code.replace(IMPORT_LINE, (line, names, name) => {
      if (!isPlainCommonJs(name)) return line;
      used = true;
      if (names === undefined) return `__cjsRequire(${JSON.stringify(name)});`;
      const fields = names
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '')
        .map((n) => n.replace(/^(\S+) as (\S+)$/, '$1: $2'));
      return `const { ${fields.join(', ')} } = __cjsRequire(${JSON.stringify(name)});`;
    });
    if (!used) return null;
    const head =
      'import { createRequire as __createRequire } from "node:module";\n' +
      'const __cjsRequire = __createRequire(import.meta.url);\n';
    return { code: head + out };
  },
};

if (bundleOwn) {
  for (const [name, file] of Object.entries(entries())) {
    const bundle = await rolldown({
      input: { [name]: file },
      platform: 'node',
      treeshake: false,
      external: (id) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
      plugins: [ownImportMetaUrl, requireCommonJs],
    });
    await bundle.write({
      dir: outDir,
      format: 'esm',
      entryFileNames: '[name].js',
      chunkFileNames: '[name]-[hash].js',
      codeSplitting: false,
      ...ASCII_OUTPUT,
    });
    await bundle.close();
  }
}

for (const name of vendored) {
  const lib = await rolldown({
    input: require.resolve(name),
    platform: 'node',
    treeshake: false,
    external: isUndeclared,
    plugins: [...vendorPlugins, dynamicImportParameter],
  });
  const file = resolve(pkg, 'dist/vendor', `${name.replace(/^@/, '').replace('/', '-')}.cjs`);
  await lib.write({ file, format: 'cjs', codeSplitting: false, ...ASCII_OUTPUT });
  await lib.close();
}
