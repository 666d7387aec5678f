import { FRAME_MERMAP } from '../contracts/frame-book.js';
import { GLOBAL_TAG, Pte } from '@shootdown/mmu';
import { hex, recordVaOf, staleLeafTo } from './bits.js';
import { judgeRange, type RangeSelection } from './frame-range.js';
import type { Invariant, InvariantContext } from './invariant.js';
import { FACT_MERMAP } from './frame-facts.js';

/** The mm-local window the Linux mermap lives in (spec linux.md §4.4); other policies have none. */
const MERMAP_WINDOW = 'linux.mermap';

/** The frames of a changed range this invariant judges (frame-range.ts). */
const SELECT: RangeSelection = { marks: ['mermap'], active: 'cross-mm-alias' };

/**
 * `cross-mm-alias` — the mermap isolation question: a frame one address space holds privately — mapped in
 * its mm-local window (the RFC's mermap: "physically local to the current mm … the caller must not map memory
 * here that doesn't belong to the current process", mm/mermap.c) — is reachable from another address space:
 * through a valid or possibly cached translation in another process's tree (its user mapping, or its own
 * mermap window), or through a global entry inside the window, which survives every switch of address space
 * (arch_mermap_pgprot_allowed rejects _PAGE_GLOBAL for that reason). The kernel's shared half (the direct map)
 * is not an address space of its own and does not count. Judged at every change of the frame's reach while
 * the frame is marked as mapped in a mermap window, once the MMU's reach counts show a second path: a second
 * present entry, or a possibly cached one. A global window entry that is the frame's only path is therefore
 * judged when it changes (mermap_put leaves it cached: then every mm on that CPU reaches it).
 */
export const crossMmAlias: Invariant = {
  id: 'cross-mm-alias',
  description:
    'A frame mapped privately in one address space (its mm-local mermap window) is reachable from another: a ' +
    "translation in another process's tree, or a global entry in the window, valid or possibly cached.",
  // A frame is judged while its book marks it mermapped or while its breach is raised (judgeMarked, frameState).
  quietUnless: { frameState: 0, framesChanged: FACT_MERMAP },
  framesChanged(ctx, first, count) {
    judgeRange(ctx, first, count, SELECT, judgeMarked);
  },
  frameState(ctx, pfn) {
    if (ctx.active('cross-mm-alias', pfn)) judge(ctx, pfn);
  },
};

/** One translation that reaches the frame: its address space, VA, whether it is global, and a holder. */
interface Reach {
  readonly space: number;
  readonly va: number;
  readonly global: boolean;
  readonly cpu: number | null;
}

function reaches(ctx: InvariantContext, f: number): Reach[] {
  const m = ctx.m;
  const out: Reach[] = [];
  // Present leaves (the mermap's are 4 KiB, so the leaf's VA is the frame's) — a table scan, so only when the
  // MMU's reach counts say more than one path exists — then possibly cached ones.
  const valid = m.reverse.validRefs(f);
  const stale = m.reverse.staleRefs(f);
  // Stryker disable next-line ArithmeticOperator: equivalent — the sum is read only when stale is 0
  if (valid + stale < 2 && stale === 0) return out;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — fast path: a frame without a present entry has no present translation to list
  for (const t of valid > 0 ? (m.validTranslations?.(f) ?? []) : [])
    out.push({ space: t.space, va: t.va, global: (t.flags & Pte.GLOBAL) !== 0, cpu: null });
  const s = m.staleLeaf;
  for (const r of staleLeafTo(m, f)) {
    out.push({
      space: s.space[r],
      va: recordVaOf(s, r, f),
      global: s.tag[r] === GLOBAL_TAG,
      cpu: s.holders(r)[0] ?? null,
    });
  }
  return out;
}

function judge(ctx: InvariantContext, f: number): void {
  const m = ctx.m;
  const w = ctx.env.window(MERMAP_WINDOW);
  if (w === undefined || f >= m.frames.count) {
    ctx.settle('cross-mm-alias', f);
    return;
  }
  // Of the reaches outside the kernel's space (in their order): the first in the window is the owner's;
  // the first global one in the window, and the first of another space, are the breaches. Found by loops,
  // not by lists filtered per question (asked at every change of a window frame's reach).
  const all = reaches(ctx, f);
  const inWindow = (r: Reach): boolean => r.space !== m.kernelSpace && r.va >= w.start && r.va < w.end;
  const owner = all.find(inWindow);
  if (owner === undefined) {
    ctx.settle('cross-mm-alias', f);
    return;
  }
  const global = all.find((r) => r.global && inWindow(r));
  if (global !== undefined) {
    ctx.raise('cross-mm-alias', f, {
      cpu: global.cpu,
      address: global.va,
      frame: f,
      explanation: `frame ${f} is mapped in the mm-local window at ${hex(global.va)} by a global entry, which every address space on that CPU reaches`,
    });
    return;
  }
  const other = all.find((r) => r.space !== m.kernelSpace && r.space !== owner.space);
  if (other !== undefined) {
    ctx.raise('cross-mm-alias', f, {
      cpu: other.cpu,
      address: other.va,
      frame: f,
      explanation: `frame ${f} is private to address space ${owner.space} (mermap window ${hex(owner.va)}) but address space ${other.space} reaches it at ${hex(other.va)}`,
    });
    return;
  }
  ctx.settle('cross-mm-alias', f);
}

/** A frame of a changed range: judged while under a mermap window, or while its violation is raised. */
function judgeMarked(ctx: InvariantContext, f: number): void {
  if ((ctx.book.flags(f) & FRAME_MERMAP) !== 0 || ctx.active('cross-mm-alias', f)) judge(ctx, f);
}
