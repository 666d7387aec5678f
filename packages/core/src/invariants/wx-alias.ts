import { Pte } from '@shootdown/mmu';
import { hex, isExec, isWritable, recordVaOf, staleLeafTo } from './bits.js';
import { judgeRange, type RangeSelection } from './frame-range.js';
import type { Invariant, InvariantContext } from './invariant.js';
import { FACT_EXEC } from './frame-facts.js';

/**
 * The frames of a changed range this invariant judges (frame-range.ts): writable and executable through
 * something; its judgement reads only the translations reaching the frame, so a chunk that blocks alone
 * reach is judged once (byBlock).
 */
const SELECT: RangeSelection = { reach: ['wx'], active: 'wx-alias', byBlock: true };

/**
 * `wx-alias` (spec INV-WX): at one moment a frame is writable through one translation and executable
 * through another — any alias (direct map, vmalloc, user, mermap), any CPU, possibly-cached stale
 * entries included. Judged at every store and invalidation through the MMU observer, so a window that
 * opens and closes inside one kernel operation is caught. A single present RWX entry (one mapping that
 * is both) is not an alias and does not count. The executable side must be executable at kernel level
 * (x86 NX clear on a supervisor page, arm64 PXN clear): a user page that is executable for its process
 * and writable through the kernel's linear map is how every kernel loads user code, and a process's own
 * writable and executable aliases are its choice — neither is the kernel W^X property the seeds defend.
 */
export const wxAlias: Invariant = {
  id: 'wx-alias',
  description:
    'A frame is writable through one entry and executable through another at the same moment (any alias, any CPU, stale entries included).',
  // A frame nothing executes is not W+X (isWx), and is settled.
  quietUnless: { framesChanged: FACT_EXEC },
  framesChanged(ctx, first, count) {
    judgeRange(ctx, first, count, SELECT, judge);
  },
};

function judge(ctx: InvariantContext, f: number): void {
  const r = ctx.m.reverse;
  if (f >= ctx.m.frames.count || !r.isWx(f)) {
    ctx.settle('wx-alias', f);
    return;
  }
  // The counts include latent records (second honesty rule): decide on the records that count.
  const s = ctx.m.staleLeaf;
  const recs = staleLeafTo(ctx.m, f);
  let staleW = 0;
  let staleX = 0;
  let staleWX = 0;
  for (const rec of recs) {
    const fl = s.flags[rec] as number;
    if (isWritable(fl)) staleW++;
    if (isExec(fl)) staleX++;
    if (isWritable(fl) && isExec(fl)) staleWX++;
  }
  // Entries through which the frame is writable / executable: present ones (the reverse view's counts) and
  // stale ones. An alias needs two different entries; one RWX entry, present or a stale copy left by a
  // clear not yet flushed, is one mapping that is both.
  const nW = r.validW(f) + staleW;
  const nX = r.validX(f) + staleX;
  const oneEntry = nW === 1 && nX === 1 && oneRwxEntry(ctx, f, staleW + staleX, staleWX);
  if (nW === 0 || nX === 0 || oneEntry || !kernelExecutable(ctx, f, recs)) {
    ctx.settle('wx-alias', f);
    return;
  }
  let cpu: number | null = null;
  let address: number | null = null;
  let how = 'present entries';
  for (const rec of recs) {
    const fl = s.flags[rec] as number;
    if (isExec(fl) || isWritable(fl)) {
      cpu = s.holders(rec)[0] ?? null;
      address = recordVaOf(s, rec, f);
      how = `a stale ${isExec(fl) ? 'executable' : 'writable'} entry for ${hex(address)}`;
      break;
    }
  }
  ctx.raise('wx-alias', f, {
    cpu,
    address,
    frame: f,
    explanation: `frame ${f} is writable and executable at once (${how})`,
  });
}

/**
 * With exactly one entry writable and one executable through which `f` is reached: are they the same entry?
 * A stale RWX record is (it is both). A stale entry and a present one, or two stale ones, are not. Two
 * present entries: the same if the frame has only one, else if one of them is both (asked of the tables;
 * a view that cannot say is judged as two, as before).
 */
function oneRwxEntry(ctx: InvariantContext, f: number, staleWorX: number, staleWX: number): boolean {
  if (staleWX === 1) return true;
  if (staleWorX > 0) return false;
  if (ctx.m.reverse.validRefs(f) === 1) return true;
  const valid = ctx.m.validTranslations?.(f);
  return valid !== undefined && valid.some((t) => isWritable(t.flags) && isExec(t.flags));
}

/** Does any translation (stale record or present leaf) execute `f` at kernel level? */
function kernelExecutable(ctx: InvariantContext, f: number, recs: readonly number[]): boolean {
  const s = ctx.m.staleLeaf;
  for (const rec of recs) if (((s.flags[rec] as number) & Pte.XKERNEL) !== 0) return true;
  const valid = ctx.m.validTranslations?.(f);
  if (valid === undefined) return true; // cannot tell: judge on the counts
  return valid.some((t) => (t.flags & Pte.XKERNEL) !== 0);
}
