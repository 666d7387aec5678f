// Step labels: what a reviewer reads in the op column of a comparison instead of the bare op.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeStep, formatScenarioError, loadScenarioText } from '../src/scenario/index.js';

function steps(text: string) {
  const r = loadScenarioText(text, 'd.yaml');
  if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
  return r.scenario.steps;
}

describe('describeStep', () => {
  it("labels DESIGN §4's example as the result fixture does", () => {
    const text = readFileSync(
      new URL('./fixtures/lang/valid/vfree-exec-reuse.yaml', import.meta.url),
      'utf8',
    );
    expect(steps(text).map(describeStep)).toEqual([
      'kalloc mod 4p [reset-perms]',
      'kprotect mod rx',
      'access mod[0] exec',
      'kfree mod',
      'page-alloc reuse 4p reuse mod',
      'access mod[0] exec',
    ]);
  });

  it('names ranges, aliases, keys and hardware addresses', () => {
    const list = steps(`name: d
steps:
  - { op: process, id: p }
  - { op: run, cpu: 1, process: p }
  - { op: mmap, id: buf, pages: 8, prot: rw, flags: [populate] }
  - { op: key-alloc, id: k }
  - { op: key-assign, key: k, region: buf, page: 2, pages: 3, flags: [persist] }
  - { op: access, cpu: 1, region: buf, page: 2, pages: 3, kind: write }
  - { op: page-alloc, id: blk, order: 9, flags: [unmapped] }
  - { op: kprotect, region: blk, via: direct-map, prot: none, flush: false }
  - { op: access, region: { frame-of: blk, page: 1 }, via: direct-map, kind: read }
  - { op: stray-write, target: { pagetable-of: buf, level: pte } }
  - { op: stray-write, target: { pagetable-of: blk, level: pmd, via: direct-map } }
  - { op: interleave, phase: cleared, operation: { op: munmap, region: buf }, steps: [{ op: check, expect: no-violations }] }
  - { op: swapout }
`);
    expect(list.map(describeStep)).toEqual([
      'process p',
      'run p',
      'mmap buf 8p rw [populate]',
      'key-alloc k',
      'key-assign k buf[2..4] [persist]',
      'access buf[2..4] write ×3',
      'page-alloc blk order 9 [unmapped]',
      'kprotect blk via direct-map none noflush',
      'access frame-of(blk[1]) via direct-map read',
      'stray-write pagetable-of(buf, pte)',
      'stray-write pagetable-of(blk, pmd, via direct-map)',
      'interleave at cleared of munmap buf',
      'swapout',
    ]);
  });
});
