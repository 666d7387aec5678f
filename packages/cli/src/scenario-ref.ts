// A catalogue scenario name works wherever a path does (DESIGN §6). A path that exists wins, so a local file
// named like a catalogue entry is never shadowed; otherwise the name (or `topic/name`) is looked up in the
// catalogue, and a miss names the closest of both worlds.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { findScenario, listScenarios } from '@shootdown/catalog';
import { InputError } from './errors.js';
import { closest } from './suggest.js';

export interface ScenarioRef {
  /** What the user typed. */
  readonly given: string;
  /** Absolute path of the scenario file. */
  readonly path: string;
  /** Set when the name was found in the catalogue. */
  readonly catalogTopic?: string;
}

export function resolveScenarioRef(given: string, cwd: string = process.cwd()): ScenarioRef {
  const asPath = resolve(cwd, given);
  if (existsSync(asPath)) {
    if (statSync(asPath).isDirectory()) {
      throw new InputError(`${given}: is a folder, expected a scenario file (YAML or JSON)`);
    }
    return { given, path: asPath };
  }
  let hit;
  try {
    hit = findScenario(given);
  } catch (e) {
    // Ambiguous bare name: the catalogue names the candidates.
    throw new InputError(`${given}: ${(e as Error).message}`, ['use topic/name to pick one']);
  }
  if (hit) return { given, path: hit.path, catalogTopic: hit.topic };
  const names = listScenarios().map((s) => s.name);
  const near = closest(given, names);
  throw new InputError(
    `${given}: no such file, and no catalogue scenario by that name`,
    near ? [`did you mean '${near}'? (shootdown scenarios lists the catalogue)`] : [],
  );
}
