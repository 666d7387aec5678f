// The rangeset primitives of sys/kern/subr_rangeset.c as spec freebsd-amd64.md §2.2 states them.
import { describe, expect, it } from 'vitest';
import { NODE_PERSIST, Rangeset, RemovePredicate } from '../src/index.js';

function nodes(rs: Rangeset): [number, number, number, number][] {
  return rs.nodes().map((n) => [n.start, n.end, n.key, n.flags]);
}

describe('rangeset (spec §2.2)', () => {
  it('lookup returns the node with greatest start <= va only if va < end', () => {
    const rs = new Rangeset();
    rs.insert(10, 20, 3, 0);
    expect(rs.keyAt(9)).toBe(-1);
    expect(rs.keyAt(10)).toBe(3);
    expect(rs.keyAt(19)).toBe(3);
    expect(rs.keyAt(20)).toBe(-1);
  });

  it('check_empty: a node starting exactly at end makes the range look occupied (quirk), unless switched off', () => {
    const rs = new Rangeset();
    rs.insert(20, 30, 1, 0);
    expect(rs.checkEmpty(10, 20)).toBe(false);
    expect(rs.checkEmpty(10, 19)).toBe(true);
    expect(rs.checkEmpty(30, 40)).toBe(true);
    rs.exclAdjacencyQuirk = false;
    expect(rs.checkEmpty(10, 20)).toBe(true);
  });

  it('insert removes every overlapping node first, PERSIST ones included; adjacent nodes are not merged', () => {
    const rs = new Rangeset();
    rs.insert(0, 10, 1, NODE_PERSIST);
    rs.insert(10, 20, 1, 0);
    rs.insert(5, 15, 2, 0);
    expect(nodes(rs)).toEqual([
      [0, 5, 1, NODE_PERSIST],
      [5, 15, 2, 0],
      [15, 20, 1, 0],
    ]);
  });

  it('remove truncates a node sticking out on the left, deletes inner ones, moves the start of a right one', () => {
    const rs = new Rangeset();
    rs.insert(0, 10, 1, 0);
    rs.insert(12, 14, 2, 0);
    rs.insert(16, 30, 3, 0);
    expect(rs.remove(5, 20)).toBe(0);
    expect(nodes(rs)).toEqual([
      [0, 5, 1, 0],
      [20, 30, 3, 0],
    ]);
  });

  it('remove in the middle of a node splits it in two', () => {
    const rs = new Rangeset();
    rs.insert(0, 30, 4, NODE_PERSIST);
    rs.remove(10, 20);
    expect(nodes(rs)).toEqual([
      [0, 10, 4, NODE_PERSIST],
      [20, 30, 4, NODE_PERSIST],
    ]);
  });

  it('a split that cannot get a node returns ENOMEM and leaves the set unchanged', () => {
    const rs = new Rangeset(1);
    rs.insert(0, 30, 4, 0);
    expect(rs.remove(10, 20)).toBe(12);
    expect(nodes(rs)).toEqual([[0, 30, 4, 0]]);
  });

  it('remove_pred with the PERSIST predicate leaves PERSIST nodes untouched and keeps walking left', () => {
    const rs = new Rangeset();
    rs.insert(0, 10, 1, 0);
    rs.insert(10, 20, 2, NODE_PERSIST);
    rs.insert(20, 30, 3, 0);
    rs.removePred(5, 25, RemovePredicate.NonPersist);
    expect(nodes(rs)).toEqual([
      [0, 5, 1, 0],
      [10, 20, 2, NODE_PERSIST],
      [25, 30, 3, 0],
    ]);
  });

  it('copy duplicates every node; the copies are independent; remove_all drops everything', () => {
    const a = new Rangeset();
    a.insert(0, 10, 1, NODE_PERSIST);
    const b = new Rangeset();
    expect(b.copyFrom(a)).toBe(0);
    a.removeAll();
    expect(a.size).toBe(0);
    expect(nodes(b)).toEqual([[0, 10, 1, NODE_PERSIST]]);
  });
});

describe('pmap_pkru_same (spec §4.2 superpage eligibility)', () => {
  it('a window with no node at all, or one node over all of it, may be one superpage', () => {
    const rs = new Rangeset();
    expect(rs.same(0, 512)).toBe(true);
    rs.insert(0, 512, 3, 0);
    expect(rs.same(0, 512)).toBe(true);
  });

  it('a keyed/unkeyed boundary inside the window forces 4 KiB pages', () => {
    const rs = new Rangeset();
    rs.insert(100, 200, 3, 0);
    expect(rs.same(0, 512)).toBe(false);
  });

  it('an explicit key-0 node next to no node counts as different', () => {
    const rs = new Rangeset();
    rs.insert(0, 256, 0, 0);
    expect(rs.same(0, 512)).toBe(false);
  });

  it('adjacent nodes with the same key (never merged) still agree; different keys do not', () => {
    const rs = new Rangeset();
    rs.insert(0, 256, 4, 0);
    rs.insert(256, 512, 4, NODE_PERSIST);
    expect(rs.same(0, 512)).toBe(true);
    rs.insert(256, 512, 5, 0);
    expect(rs.same(0, 512)).toBe(false);
  });
});
