// `compare --write-expect` (issue 15 item 7): the verdict file written from runs parses, and checking
// the same runs against it matches every line (herd7's kinds workflow: pin today's behaviour).
import { describe, expect, it } from 'vitest';
import { checkVerdicts, parseVerdicts, VerdictWriteError, writeVerdicts } from '../src/verdict/index.js';
import { freebsd, pre52, results, upstream } from './results-fixture.js';

describe('writeVerdicts', () => {
  it('writes one line per run under the runs’ TLB model, and the runs match it', () => {
    const text = writeVerdicts([results]);
    expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([
      'tlb adversarial',
      'vfree-exec-reuse linux-x86 holds',
      // the pre-5.2 module loader leaves a W+X alias and a stale executable entry (spec linux.md §3.4)
      'vfree-exec-reuse linux-x86:vfree=module-free-pre52 violates stale-exec-alias,wx-alias',
      'vfree-exec-reuse freebsd-amd64 holds',
    ]);
    const parsed = parseVerdicts(text, 'expected');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(checkVerdicts(results, parsed.verdicts)).toEqual([]);
  });

  it('keeps one block per scenario, in the order run', () => {
    const other = results.map((r) => ({ ...r, scenario: 'arch-vunmap-33-pages' }));
    const text = writeVerdicts([results, other]);
    const blocks = text.split('\n\n').slice(2);
    expect(blocks.map((b) => b.split(' ')[0])).toEqual(['vfree-exec-reuse', 'arch-vunmap-33-pages']);
  });

  it('refuses runs that did not complete: an error is no verdict to pin', () => {
    const broken = { ...pre52, error: 'plug-in threw: boom' };
    expect(() => writeVerdicts([[upstream, broken]])).toThrow(VerdictWriteError);
    expect(() => writeVerdicts([[upstream, broken]])).toThrow(/1 run did not complete/);
  });

  it('refuses runs under different TLB models: a file is written for one', () => {
    expect(() => writeVerdicts([[upstream, { ...freebsd, tlb: 'precise' }]])).toThrow(
      /adversarial and precise TLB models/,
    );
  });
});
