// The built-in catalogue: one folder per topic under `topics/`, each holding scenario files (YAML or JSON),
// a README.md (the question, the sources, the line that runs it, the finding) and an `expected` verdict file.
// This index only reads the folder: a scenario's name is its file name without the extension.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder holding the topics, resolved from this module so it works installed or in the workspace. */
export const topicsDir: string = fileURLToPath(new URL('../topics/', import.meta.url));

export interface CatalogScenario {
  readonly topic: string;
  readonly name: string;
  readonly path: string;
  /** First line of the scenario's `description`, when the file has one. */
  readonly description: string;
}

export interface CatalogTopic {
  readonly name: string;
  readonly dir: string;
  readonly readme: string | undefined;
  /** Path of the topic's verdict file, if it has one. */
  readonly expected: string | undefined;
  readonly scenarios: readonly CatalogScenario[];
}

const SCENARIO_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function firstDescriptionLine(path: string): string {
  const text = readFileSync(path, 'utf8');
  const m = /^description:\s*[>|]?-?\s*(.*)$/m.exec(text) ?? /"description"\s*:\s*"([^"]*)"/.exec(text);
  if (!m) return '';
  const inline = (m[1] ?? '').trim();
  if (inline) return inline.replace(/^['"]|['"]$/g, '');
  // Block scalar: the description continues on the next indented line.
  const after = text
    .slice((m.index ?? 0) + m[0].length)
    .split('\n')
    .find((l) => l.trim() !== '');
  return after?.trim() ?? '';
}

/** Every topic, sorted by name, with its scenarios sorted by name. */
export function listTopics(dir: string = topicsDir): CatalogTopic[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((t) => statSync(join(dir, t)).isDirectory())
    .sort()
    .map((name) => {
      const tdir = join(dir, name);
      const files = readdirSync(tdir).sort();
      const scenarios = files
        .filter((f) => SCENARIO_EXTENSIONS.has(extname(f)))
        .map((f): CatalogScenario => {
          const path = join(tdir, f);
          let description: string | undefined;
          return {
            topic: name,
            name: basename(f, extname(f)),
            path,
            // read when first asked for: finding a scenario by name (every `run`) reads no scenario file
            get description(): string {
              return (description ??= firstDescriptionLine(path));
            },
          };
        });
      return {
        name,
        dir: tdir,
        readme: files.includes('README.md') ? join(tdir, 'README.md') : undefined,
        expected: files.includes('expected') ? join(tdir, 'expected') : undefined,
        scenarios,
      };
    });
}

/** Every catalogue scenario, by topic then name. */
export function listScenarios(dir: string = topicsDir): CatalogScenario[] {
  return listTopics(dir).flatMap((t) => t.scenarios);
}

/**
 * Finds a scenario by name (`vfree-exec-reuse`) or by `topic/name`. Returns undefined when no scenario has that
 * name; throws when a bare name is ambiguous across topics, naming the candidates.
 */
export function findScenario(name: string, dir: string = topicsDir): CatalogScenario | undefined {
  const all = listScenarios(dir);
  const slash = name.indexOf('/');
  if (slash > 0) return all.find((s) => `${s.topic}/${s.name}` === name);
  const hits = all.filter((s) => s.name === name);
  if (hits.length > 1) {
    throw new Error(
      `scenario name '${name}' is ambiguous: ${hits.map((h) => `${h.topic}/${h.name}`).join(', ')}`,
    );
  }
  return hits[0];
}
