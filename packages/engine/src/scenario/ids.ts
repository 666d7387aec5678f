// The names a scenario defines — regions, processes, keys, page tables — and the rules DESIGN §4 sets on
// them: an id keeps naming its range after munmap and exec; defining it again or freeing it twice is an
// error; ids defined inside a `repeat` body are per iteration. An id defined in iteration i of a repeat is
// named `<id>#<i>` (one `#<i>` per enclosing repeat, outermost first); a plain reference means the most
// recent definition in program order, so inside the body it is this iteration's, and after the repeat the
// last iteration's.
import type { RegionInfo, RegionKind } from './types.js';

export type IdSpace = 'region' | 'process' | 'key' | 'table' | 'space' | 'frame';

interface Definition {
  readonly resolved: string;
  /** JSON pointer of the defining property: the same for every iteration of one repeat body. */
  readonly pointer: string;
  readonly line: number;
}

export interface RegionState extends RegionInfo {
  freedAt: number | null;
}

export class Ids {
  private readonly visible = new Map<IdSpace, Map<string, Definition>>();
  readonly regions = new Map<string, RegionState>();
  readonly processes: string[] = [];
  readonly keys: string[] = [];
  readonly tables: string[] = [];

  private space(s: IdSpace): Map<string, Definition> {
    let m = this.visible.get(s);
    if (m === undefined) {
      m = new Map();
      this.visible.set(s, m);
    }
    return m;
  }

  /** Names visible in a space (for "did you mean"). */
  names(s: IdSpace): string[] {
    return [...this.space(s).keys()];
  }

  /** Pre-declares a name (hw block frames and tables, which are not iteration-scoped). */
  declare(s: IdSpace, name: string, pointer: string, line: number): void {
    this.space(s).set(name, { resolved: name, pointer, line });
  }

  /**
   * Defines `name` under the current iteration `suffix`. Returns the resolved id, or the line of the
   * earlier, different definition when this one repeats it.
   */
  define(
    s: IdSpace,
    name: string,
    suffix: string,
    pointer: string,
    line: number,
  ): { resolved: string } | { duplicateOf: number } {
    const m = this.space(s);
    const prev = m.get(name);
    if (prev !== undefined && prev.pointer !== pointer) return { duplicateOf: prev.line };
    const resolved = name + suffix;
    m.set(name, { resolved, pointer, line });
    if (s === 'process') this.processes.push(resolved);
    else if (s === 'key') this.keys.push(resolved);
    else if (s === 'table') this.tables.push(resolved);
    return { resolved };
  }

  defineRegion(resolved: string, kind: RegionKind, definedBy: string, pages: number | null): void {
    this.regions.set(resolved, { kind, definedBy, pages, freedAt: null });
  }

  /** The resolved id a reference names, or null when nothing of that name is defined yet. */
  resolve(s: IdSpace, name: string): string | null {
    return this.space(s).get(name)?.resolved ?? null;
  }
}
