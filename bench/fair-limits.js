// The fair limits of DESIGN §8: the work of each MMU figure written as plain typed-array loops, with
// nothing skipped — so "ratio to its fair limit" measures the simulator's overhead, not missing work.
// Each returns `(n) => sink` doing n operations; the sink keeps the JIT from deleting the loop. Each call
// sums into a local and adds that to the sink once: the sink, a variable of the enclosing function, lives in
// the closure's context, and once past the small-integer range every `sink +=` in the loop allocated a heap
// number and ran the write barrier — an allocation per operation that is no part of the work measured, and
// that had held these limits at a third (hits) and three quarters (walks) of their speed.
import { Pte } from '@shootdown/mmu';

const KEY_SHIFT = Pte.KEY_SHIFT;
/** Rights the accesses ask for: present + user + writable; a key whose access-disable bit is clear. */
const NEED = Pte.PRESENT | Pte.USER;

/**
 * TLB hits: a tagged set-associative lookup (key = VA index × 2^17 + PCID), MRU way first, then the other
 * ways; the permission test and the protection-key check (PKRU access-disable bit of the entry's key).
 */
export function fairTlbHit(entries, ways, pages) {
  const sets = entries / ways;
  const key = new Float64Array(entries).fill(-1);
  const flags = new Uint32Array(entries);
  const pfn = new Uint32Array(entries);
  const mru = new Uint8Array(sets);
  const tag = 1;
  for (let p = 0; p < pages; p++) {
    const set = p % sets;
    const way = Math.floor(p / sets) % ways;
    key[set * ways + way] = p * 131072 + tag;
    flags[set * ways + way] = NEED | Pte.WRITABLE | ((p & 15) << KEY_SHIFT);
    pfn[set * ways + way] = p + 100;
  }
  // The CPU's PKRU, read at every access as the simulator reads its per-CPU register: every key allowed, as
  // in the simulator's bench. A constant 0 here let the JIT fold the key check away — the loop then skipped
  // the work this limit is meant to include.
  const pkru = new Uint32Array(1);
  let sink = 0;
  return (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const p = i & (pages - 1);
      const k = p * 131072 + tag;
      const set = p % sets;
      const base = set * ways;
      let s = base + mru[set];
      if (key[s] !== k) {
        s = -1;
        for (let w = 0; w < ways; w++) {
          if (key[base + w] === k) {
            s = base + w;
            mru[set] = w;
            break;
          }
        }
        if (s < 0) continue;
      }
      const f = flags[s];
      if ((f & NEED) !== NEED) continue;
      if (((pkru[0] >>> (((f >>> KEY_SHIFT) & 15) * 2)) & 1) !== 0) continue;
      acc += pfn[s];
    }
    sink += acc;
    return sink;
  };
}

/**
 * Walks with fill: the work of one access that misses the TLB, as `access` does it in the precise model —
 * the TLB probe that misses (MRU way, then every way of the set), the walk-cache probe for the last table of
 * the path (on a hit the walk starts there, on a miss the three upper loads run and fill it), the dependent
 * load of the leaf, an LRU fill of the set-associative TLB (a free way first), the walk and fill counters,
 * and the permission and protection-key check of the filled entry (DESIGN §8 lists the walk's own parts:
 * four dependent loads with a walk-cache probe, an LRU fill and the counters).
 * Every page has a leaf of its own: `pages` / 512 leaf tables under one directory. (An earlier version
 * pointed only the first directory entry at a table, so 63 of 64 walks read an empty entry and skipped the
 * fill and the counters: that limit was the cost of a failed walk, not of a walk with fill.)
 */
export function fairWalk(pages, entries, ways, walkEntries) {
  const leafTables = Math.ceil(pages / 512);
  // Table 0 is the root, 1 the level-3 table, 2 the directory, 3.. the leaf tables.
  const tables = new Uint32Array((3 + leafTables) * 512);
  tables[0] = 1;
  tables[512] = 2;
  for (let d = 0; d < leafTables; d++) tables[2 * 512 + d] = 3 + d;
  for (let p = 0; p < pages; p++) tables[3 * 512 + p] = (NEED | Pte.WRITABLE) + ((p + 100) << 12);
  const sets = entries / ways;
  const key = new Float64Array(entries).fill(-1);
  const tFlags = new Uint32Array(entries);
  const tPfn = new Uint32Array(entries);
  const age = new Float64Array(entries);
  const mru = new Uint8Array(sets);
  const wcKey = new Float64Array(walkEntries).fill(-1);
  const wcTable = new Uint32Array(walkEntries);
  const counters = new Float64Array(2);
  // The CPU's PKRU, read at every access (as in fairTlbHit): every key allowed.
  const pkru = new Uint32Array(1);
  let clock = 0;
  let sink = 0;
  const run = (n) => {
    let acc = 0;
    let stamp = clock; // a local for the loop, as the sink (see the top of this file)
    for (let i = 0; i < n; i++) {
      const vpn = i % pages;
      const k = vpn * 131072 + 1;
      const set = vpn % sets;
      const base = set * ways;
      // The TLB probe (it misses in the bench, as the simulator's does; a hit ends the access).
      let hit = key[base + mru[set]] === k;
      for (let w = 0; w < ways && !hit; w++) hit = key[base + w] === k;
      if (hit) continue;
      const dir = vpn >>> 9;
      const wc = dir & (walkEntries - 1);
      let t;
      if (wcKey[wc] === dir) {
        t = wcTable[wc];
      } else {
        t = 0;
        for (let l = 0; l < 3; l++) t = tables[t * 512 + ((vpn >>> (9 * (3 - l))) & 511)];
        wcKey[wc] = dir;
        wcTable[wc] = t;
      }
      const e = tables[t * 512 + (vpn & 511)];
      counters[0]++;
      if ((e & NEED) !== NEED) continue;
      let victim = base;
      for (let w = 0; w < ways; w++) {
        if (key[base + w] === -1) {
          victim = base + w;
          break;
        }
        if (age[base + w] < age[victim]) victim = base + w;
      }
      key[victim] = k;
      tFlags[victim] = e & 0xfff;
      tPfn[victim] = e >>> 12;
      age[victim] = ++stamp;
      mru[set] = victim - base;
      counters[1]++;
      const f = tFlags[victim];
      if ((f & NEED) !== NEED) continue;
      if (((pkru[0] >>> (((f >>> KEY_SHIFT) & 15) * 2)) & 1) !== 0) continue;
      acc += tPfn[victim];
    }
    clock = stamp;
    sink += acc;
    return sink + counters[0] + counters[1];
  };
  // What the bench checks after timing: every walk found its leaf and filled (none skipped its work).
  run.counts = () => ({ walks: counters[0], fills: counters[1] });
  return run;
}

/**
 * map / access / unmap on `cpus` CPUs, adversarial: store the leaf, check the access, clear the leaf and
 * record the stale translation in a per-CPU stale bitmap (every CPU with the space live may hold it);
 * every 32 iterations each CPU flushes its bitmap, as the simulator's bench does with INVPCID.
 */
export function fairMapAccessUnmap(cpus, pages) {
  const flags = new Uint32Array(pages);
  const out = new Uint32Array(pages);
  const words = pages >>> 5;
  const stale = new Uint32Array(cpus * words);
  let sink = 0;
  return (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const p = i & (pages - 1);
      flags[p] = NEED | Pte.WRITABLE;
      out[p] = p + 7;
      if ((flags[p] & Pte.WRITABLE) !== 0) acc += out[p];
      flags[p] = 0;
      const w = p >>> 5;
      const bit = 1 << (p & 31);
      for (let c = 0; c < cpus; c++) stale[c * words + w] |= bit;
      if ((i & 31) === 31) for (let c = 0; c < cpus; c++) stale.fill(0, c * words, (c + 1) * words);
    }
    sink += acc;
    return sink + stale[0];
  };
}
