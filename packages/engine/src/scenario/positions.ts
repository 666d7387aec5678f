// Maps a JSON pointer to line:column in the source text. yaml's parser keeps node ranges for JSON and YAML
// alike (TOOLCHAIN "ajv and readable errors"), so one path serves both formats.
import type { Document, LineCounter, Node as YamlNode, Pair, YAMLMap } from 'yaml';
import { splitPointer } from './pointer.js';
import { yaml } from './yaml-lib.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export class SourceMap {
  private readonly cache = new Map<string, Position>();
  /** Per mapping, its pairs by key: 200,000 unknown keys cost one index, not 200,000 scans of the map. */
  private readonly keyIndex = new WeakMap<object, Map<string, unknown>>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  positionOfOffset(offset: number): Position {
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  /**
   * Position of the value at `pointer`; with `key`, of the map key naming it (for unknown properties, where
   * the key is the mistake). Falls back to the nearest existing ancestor, so a missing value still points at
   * the object that lacks it.
   */
  position(pointer: string, key = false): Position {
    // repeat iterations ask for the same pointers over and over: remember the answers
    const k = key ? `k${pointer}` : pointer;
    let p = this.cache.get(k);
    if (p === undefined) {
      p = this.find(pointer, key);
      this.cache.set(k, p);
    }
    return p;
  }

  private find(pointer: string, key: boolean): Position {
    const { isMap, isSeq } = yaml();
    const segs = splitPointer(pointer);
    let node: unknown = this.doc.contents;
    let best: YamlNode | null = isNodeWithRange(node) ? node : null;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i];
      const last = i === segs.length - 1;
      if (isMap(node)) {
        const pair = this.pairOf(node, seg);
        if (pair === undefined) break;
        if (last && key && isNodeWithRange(pair.key)) return this.start(pair.key);
        node = pair.value;
        if (isNodeWithRange(node)) best = node;
        else if (isNodeWithRange(pair.key)) best = pair.key;
      } else if (isSeq(node)) {
        const item: unknown = node.items[Number(seg)];
        if (item === undefined) break;
        node = item;
        if (isNodeWithRange(node)) best = node;
      } else {
        break;
      }
    }
    return best === null ? { line: 1, column: 1 } : this.start(best);
  }

  private pairOf(node: YAMLMap, seg: string): Pair | undefined {
    const { isScalar } = yaml();
    let index = this.keyIndex.get(node);
    if (index === undefined) {
      index = new Map();
      for (const p of node.items) {
        const name = isScalar(p.key) ? String(p.key.value) : String(p.key);
        if (!index.has(name)) index.set(name, p);
      }
      this.keyIndex.set(node, index);
    }
    return index.get(seg) as Pair | undefined;
  }

  private start(node: YamlNode): Position {
    return this.positionOfOffset(node.range![0]);
  }
}

function isNodeWithRange(n: unknown): n is YamlNode {
  const { isMap, isScalar, isSeq } = yaml();
  return (
    typeof n === 'object' &&
    n !== null &&
    'range' in n &&
    Array.isArray((n as { range?: unknown }).range) &&
    (isMap(n) || isSeq(n) || isScalar(n))
  );
}
