// The herd importer's enumeration (import/herd/interleave.ts, execute.ts, judge.ts): every interleaving that
// keeps each thread's program order, exactly once, and each entry a stale TLB record may serve; the bound;
// the verdicts. Counts are combinatorics: threads with a, b, c visible instructions and nothing to choose
// between entries interleave in (a+b+c)! / (a! b! c!) ways.
import { describe, expect, it } from 'vitest';
import { herd } from '../src/index.js';
import { nextDecisions } from '../src/import/herd/interleave.js';

function loads(threads: number[]): string {
  const locs = 'abcdefgh';
  const init = threads.map((_, i) => `${i}:X1=${locs[i]};`).join(' ');
  const rows = Math.max(...threads);
  const header = threads.map((_, i) => `P${i}`).join(' | ');
  const lines: string[] = [];
  for (let r = 0; r < rows; r++)
    lines.push(threads.map((n) => (r < n ? `LDR W${r + 2},[X1]` : '')).join(' | ') + ' ;');
  return `AArch64 L\n{ ${init} }\n ${header} ;\n${lines.join('\n')}\nexists (0:X2=0)\n`;
}

function judge(text: string, max?: number) {
  return herd.judgeLitmus(herd.parseLitmus(text, 't.litmus'), max);
}

describe('herd interleavings', () => {
  it('advances the last choice point that has an option left', () => {
    expect(nextDecisions([2, 3], [0, 0], ['thread', 'serve'])).toEqual({
      chosen: [0, 1],
      kinds: ['thread', 'serve'],
    });
    expect(nextDecisions([2, 3], [0, 2], ['thread', 'thread'])).toEqual({ chosen: [1], kinds: ['thread'] });
    expect(nextDecisions([2, 3], [1, 2], ['serve', 'thread'])).toBeNull();
    expect(nextDecisions([], [], [])).toBeNull();
  });

  it.each([
    [[1], 1],
    [[2, 1], 3],
    [[2, 3], 10],
    [[1, 1, 1], 6],
    [[2, 2, 1], 30],
  ])('threads with %j loads of their own locations give %i executions', (threads, n) => {
    const r = judge(loads(threads));
    expect(r.status).toBe('judged');
    expect(r.executions).toBe(n);
  });

  it('keeps program order in every execution', () => {
    const r = judge(loads([2, 3]));
    expect(r.judgement!.executions).toBe(10);
    // each written step is labelled with its thread's instruction; the witness keeps P1's order
    const steps = r.scenario!.split('\n').filter((l) => l.includes('op: access'));
    const p1 = steps.filter((l) => l.includes('cpu: 1')).map((l) => /LDR W(\d)/.exec(l)![1]);
    expect(p1).toEqual(['2', '3', '4']);
  });

  it('adds the old and the new entry as two executions where a stale entry may serve', () => {
    const text =
      'AArch64 R\n{ int x=1; int y=2; 0:X0=PTE(x); pteval_t 0:X1=(oa:PA(y)); 1:X2=x; }\n' +
      ' P0 | P1 ;\n STR X1,[X0] | LDR W3,[X2] ;\nexists (1:X3=1)\n';
    const r = judge(text);
    // load first (1 execution), store first then the load served by the old or by the new entry (2)
    expect(r.executions).toBe(3);
    expect(r.judgement!.states.map((s) => [s.state, s.executions])).toEqual([
      ['1:X3=1', 2],
      ['1:X3=2', 1],
    ]);
  });

  it('stops past the bound and says so', () => {
    const r = judge(loads([2, 3]), 4);
    expect(r.status).toBe('bounded');
    expect(r.reasons[0]).toMatch(/^more than 4 executions/);
    expect(r.judgement).toBeNull();
  });

  it('judges exists, ~exists and forall over the final states', () => {
    const base = 'AArch64 J\n{ int x=1; 0:X1=x; }\n P0 ;\n LDR W2,[X1] ;\n';
    expect(judge(`${base}exists (0:X2=1)`).judgement!.verdict).toBe('Allowed');
    expect(judge(`${base}exists (0:X2=2)`).judgement!.verdict).toBe('Forbidden');
    expect(judge(`${base}~exists (0:X2=2)`).judgement!.verdict).toBe('Forbidden');
    expect(judge(`${base}forall (0:X2=1)`).judgement!.verdict).toBe('Required');
    const j = judge(`${base}forall (0:X2=1)`).judgement!;
    expect(herd.agrees('Required', j)).toBe(true);
    expect(herd.agrees('Forbidden', j)).toBe(false);
  });

  it('stops a faulting thread (herd: fatal) and records the fault with its label', () => {
    const text =
      'AArch64 F\n{ int x=1; [PTE(x)]=(oa:PA(x), valid:0); 0:X1=x; }\n P0 ;\n L0: LDR W2,[X1] ;\n MOV W3,#1 ;\n' +
      'exists (fault(P0:L0,x,MMU:Translation) /\\ 0:X3=0)\n';
    expect(judge(text).judgement!.verdict).toBe('Allowed');
  });

  it('bounds a spin loop as herd does: the third backward jump to one target stops the thread', () => {
    const text =
      'AArch64 S\n{ int y=0; 0:X3=y; 1:X3=y; }\n P0 | P1 ;\n MOV W1,#1 | L1: ;\n STR W1,[X3] | LDR W2,[X3] ;\n' +
      ' | CBZ W2,L1 ;\n | MOV W4,#1 ;\nexists (1:X4=0)\n';
    const r = judge(text);
    // P0's store before P1's 1st, 2nd or 3rd load (P1 leaves the loop), or after all three (P1 stopped)
    expect(r.status).toBe('judged');
    expect(r.executions).toBe(4);
    expect(r.judgement!.states.map((s) => [s.state, s.executions])).toEqual([
      ['1:X4=0', 1],
      ['1:X4=1', 3],
    ]);
  });

  it('reports unsupported constructs met while running, naming them', () => {
    const text = 'AArch64 U\n{ 0:X1=x; }\n P0 ;\n ADD X1,X1,#8 ;\n LDR W2,[X1] ;\nexists (0:X2=0)\n';
    const r = judge(text);
    expect(r.status).toBe('unsupported');
    expect(r.reasons).toEqual(['arithmetic on x (ADD X1,X1,#8)']);
  });
});

// herd7's aarch64-VMSA D15347 tests (catalogue kinds.txt vs VMSA-ETS2-kinds.txt): without ETS2 a walk is
// ordered after a page-table store only by an ISB of its thread after it, or by a TLBI (herd/libdir
// aarch64hwreqs.cat DSB-ob, IFB-ob, ets-ob; aarch64.cat TLBI-ob, TLBuncacheable-ca).
describe('a walk that misses a page-table store (herd7 without ETS2)', () => {
  const test = (between: string, variant = '') =>
    herd.parseLitmus(
      `AArch64 D\n${variant}{ pte_x=(valid:0); 0:X2=pte_x; 0:X1=(oa:phy_y); 0:X3=x; y=1; }\n` +
        ` P0 ;\n STR X1,[X2] ;\n${between} L0: LDR W4,[X3] ;\nexists (fault(P0:L0,x))\n`,
      'd.litmus',
    );
  const verdict = (t: ReturnType<typeof test>, variants: string[] = []) =>
    herd.judgeLitmus(t, undefined, variants).judgement!.verdict;

  it('may fault after the store alone, after a DSB alone, or after DSB + TLBI + DSB (D15347-load, -DSB, -shoot)', () => {
    expect(verdict(test(''))).toBe('Allowed');
    expect(verdict(test(' DSB ISH ;\n'))).toBe('Allowed');
    expect(verdict(test(' DSB ISH ;\n TLBI VMALLE1IS ;\n DSB ISH ;\n'))).toBe('Allowed');
  });

  it('cannot once a DSB and then an ISB follow the store (D15347-load-DSB-ISB)', () => {
    expect(verdict(test(' DSB ISH ;\n ISB ;\n'))).toBe('Forbidden');
    // Any ISB ends it, also one before the DSB, where herd7 may still allow the fault: an ISB can order
    // the store before the walk through other threads, which the importer does not follow — it never
    // allows more than herd7 does.
    expect(verdict(test(' ISB ;\n DSB ISH ;\n'))).toBe('Forbidden');
  });

  it('cannot under ETS2, given on the command line or in the test (VMSA-ETS2-kinds.txt)', () => {
    expect(verdict(test(''), ['ETS2'])).toBe('Forbidden');
    expect(verdict(test('', 'Variant=vmsa,ETS2\n'))).toBe('Forbidden');
  });

  it('writes the witness as an access whose walk reads the entry from before the store, which run replays', () => {
    const r = herd.judgeLitmus(test(''));
    expect(r.scenario).toMatch(
      /op: pte-store, cpu: 0,.*\n.*op: access, cpu: 0,.*walk: before-store, expect: "fault:not-present"/,
    );
  });

  it('is offered to another thread too, until an ISB of that thread after the store (D15347-M-load, MP-pte)', () => {
    const t = (p1: string) =>
      herd.parseLitmus(
        'AArch64 D2\n{ pte_x=(valid:0); 0:X2=pte_x; 0:X1=(oa:phy_y); 1:X3=x; 1:X5=z; y=1; }\n' +
          ` P0 | P1 ;\n STR X1,[X2] | LDR W6,[X5] ;\n | ${p1} ;\n | L0: LDR W4,[X3] ;\nexists (fault(P1:L0,x))\n`,
        'd2.litmus',
      );
    // P0's store first, between P1's loads, or last: each time P1's access may fault
    const plain = herd.judgeLitmus(t('NOP'));
    expect([plain.executions, plain.judgement!.positive]).toEqual([5, 3]);
    // P1's ISB runs right after its first load: after the store it orders the store before the walk
    const isb = herd.judgeLitmus(t('ISB'));
    expect([isb.executions, isb.judgement!.positive]).toEqual([4, 2]);
  });
});
