// The selections the kit runs (the default, then every other variant of every mechanism one at a time,
// as `compare --vary` does) and the round trip every selection text must survive.
import {
  formatSelection,
  parseSelection,
  resolveSelection,
  type PolicyDefinition,
  type PolicyRegistry,
  type ResolvedSelection,
} from '@shootdown/core';

/** The text written for one choice: `policy:mech=variant` (a default choice written out too). */
export interface SelectionCase {
  readonly written: string;
  /** What the canonical text must be: the bare policy name for a default choice. */
  readonly canonical: string;
}

export function selectionCases(def: PolicyDefinition): SelectionCase[] {
  const cases: SelectionCase[] = [{ written: def.name, canonical: def.name }];
  for (const [mechName, mech] of Object.entries(def.mechanisms)) {
    for (const vName of Object.keys(mech.variants)) {
      const written = `${def.name}:${mechName}=${vName}`;
      cases.push({ written, canonical: vName === mech.default ? def.name : written });
    }
  }
  return cases;
}

/** The selections to run: the default first, then each non-default variant alone. */
export function runSelections(registry: PolicyRegistry, def: PolicyDefinition): ResolvedSelection[] {
  const seen = new Set<string>();
  const out: ResolvedSelection[] = [];
  for (const c of selectionCases(def)) {
    let s: ResolvedSelection;
    try {
      s = resolveSelection(registry, c.written);
    } catch {
      continue; // reported by roundTripProblems
    }
    if (seen.has(s.text)) continue;
    seen.add(s.text);
    out.push(s);
  }
  return out;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** parse → resolve → canonical text, and the canonical text parses back to the same variants. */
export function roundTripProblems(registry: PolicyRegistry, def: PolicyDefinition): string[] {
  const problems: string[] = [];
  for (const c of selectionCases(def)) {
    let first: ResolvedSelection;
    try {
      parseSelection(c.written);
      first = resolveSelection(registry, c.written);
    } catch (e) {
      problems.push(`"${c.written}" does not resolve: ${message(e)}`);
      continue;
    }
    if (first.text !== c.canonical) {
      problems.push(`"${c.written}" prints as "${first.text}", expected "${c.canonical}"`);
    }
    const printed = formatSelection(def.name, first.variants, (m) => def.mechanisms[m].default);
    if (printed !== first.text) {
      problems.push(
        `"${c.written}": formatSelection gives "${printed}", the resolved text is "${first.text}"`,
      );
    }
    let again: ResolvedSelection;
    try {
      again = resolveSelection(registry, first.text);
    } catch (e) {
      problems.push(`canonical "${first.text}" does not resolve again: ${message(e)}`);
      continue;
    }
    if (again.text !== first.text || JSON.stringify(again.variants) !== JSON.stringify(first.variants)) {
      problems.push(`canonical "${first.text}" resolves to "${again.text}" with other variants`);
    }
  }
  return problems;
}
