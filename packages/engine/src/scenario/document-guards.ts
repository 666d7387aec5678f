// Checks on the parsed YAML tree before it becomes JavaScript data, each reported at the node's line and
// column: aliases that name no anchor or that contain themselves (yaml's toJS would throw or build a cycle
// that every later pass recurses into forever), more alias expansion than MAX_ALIAS_EXPANSION (a
// "billion laughs" document), nesting deeper than MAX_NESTING, and the keys `__proto__`, `constructor`
// and `prototype`, which JavaScript objects treat specially; and duplicate keys (yaml's own `uniqueKeys`
// check compares every key with every other one — quadratic, minutes for 200,000 keys — this one is a Set): a scenario never needs them, and refusing
// them means no user key can reach an object's prototype chain on the way to the machine parameters.
// The walk is iterative, so a deep document cannot overflow the stack here.
import type { Document, Node as YamlNode } from 'yaml';
import { MAX_ALIAS_EXPANSION, MAX_NESTING } from './limits.js';
import { yaml } from './yaml-lib.js';

export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export interface GuardProblem {
  /** Offset in the source text. */
  readonly offset: number;
  readonly message: string;
}

interface Frame {
  readonly node: unknown;
  readonly depth: number;
  /** Set on the second visit, when the node's children are done (it leaves the ancestor set). */
  readonly leaving: boolean;
}

function rangeStart(n: unknown): number {
  const r: unknown = (n as { range?: unknown } | null)?.range;
  return Array.isArray(r) && typeof r[0] === 'number' ? r[0] : 0;
}

/**
 * Walks the document as toJS will copy it, following aliases, and stops at the first alias whose copy
 * takes the total past MAX_ALIAS_EXPANSION nodes: the work is bounded by the document plus the limit,
 * however the anchors nest. Runs only on a document without unresolved or cyclic aliases.
 */
function expansionProblem(doc: Document): GuardProblem | null {
  const { isAlias, isMap, isPair, isSeq } = yaml();
  let copied = 0;
  const stack: { node: unknown; via: unknown }[] = [{ node: doc.contents, via: null }];
  while (stack.length > 0) {
    const { node, via } = stack.pop()!;
    if (via !== null && ++copied > MAX_ALIAS_EXPANSION) {
      return {
        offset: rangeStart(via),
        message: `aliases expand to more than ${MAX_ALIAS_EXPANSION} nodes; write the block out or use repeat`,
      };
    }
    if (isAlias(node)) {
      stack.push({ node: node.resolve(doc), via: via ?? node });
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) {
        if (isPair(item)) stack.push({ node: item.key, via }, { node: item.value, via });
        else stack.push({ node: item, via });
      }
    }
  }
  return null;
}

export function documentProblems(doc: Document): GuardProblem[] {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yaml();
  const problems: GuardProblem[] = [];
  const ancestors = new Set<unknown>();
  let aliases = 0;
  let depthReported = false;
  const stack: Frame[] = [{ node: doc.contents, depth: 0, leaving: false }];
  while (stack.length > 0) {
    const { node, depth, leaving } = stack.pop()!;
    if (leaving) {
      ancestors.delete(node);
      continue;
    }
    if (isAlias(node)) {
      const target: unknown = node.resolve(doc);
      if (target === undefined) {
        problems.push({
          offset: rangeStart(node),
          message: `alias *${node.source} names no anchor before it`,
        });
      } else if (ancestors.has(target)) {
        problems.push({
          offset: rangeStart(node),
          message: `alias *${node.source} refers to a node that contains it (a cycle)`,
        });
      } else {
        aliases++;
      }
      continue;
    }
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_NESTING) {
      if (!depthReported) {
        depthReported = true;
        problems.push({ offset: rangeStart(node), message: `nesting deeper than ${MAX_NESTING} levels` });
      }
      continue;
    }
    ancestors.add(node);
    stack.push({ node, depth, leaving: true });
    const keys = isMap(node) ? new Set<string>() : null;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        const key: unknown = item.key;
        const name = isScalar(key) ? String(key.value) : null;
        if (name !== null && keys !== null) {
          if (keys.has(name)) problems.push({ offset: rangeStart(key), message: `Map keys must be unique` });
          keys.add(name);
        }
        if (name !== null && RESERVED_KEYS.includes(name)) {
          problems.push({
            offset: rangeStart(key),
            message: `"${name}" is not allowed as a key (reserved by JavaScript objects)`,
          });
        }
        if (!isScalar(key)) stack.push({ node: key as YamlNode, depth: depth + 1, leaving: false });
        stack.push({ node: item.value, depth: depth + 1, leaving: false });
      } else {
        stack.push({ node: item, depth: depth + 1, leaving: false });
      }
    }
  }
  if (problems.length === 0 && aliases > 0) {
    const p = expansionProblem(doc);
    if (p !== null) problems.push(p);
  }
  return problems;
}
