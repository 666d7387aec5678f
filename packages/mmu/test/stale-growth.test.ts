// Stale-record storage past its first 64 records (DESIGN §2, adversarial model: one record per changed
// entry, kept for the CPUs that may hold it until they invalidate it). Growing the storage must keep
// every record's translation, holders, per-VA chain and per-frame index.
import { describe, expect, it } from 'vitest';
import { LEVEL_SIZE, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;
const N = 150;

describe('stale records beyond the initial capacity', () => {
  it('150 changed leaves, each to its own frame: every one stays cached on both CPUs until each invalidates', () => {
    const { m, table, data } = rig({ cpus: 2, memory: '64MiB' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const frames: number[] = [];
    for (let i = 0; i < N; i++) {
      frames.push(data());
      m.setLeaf(mm, USER_VA + i * 4096, 1, frames[i], RW_USER);
    }
    m.setRoot(0, mm);
    m.setRoot(1, mm);
    for (let i = 0; i < N; i++) m.clearEntry(mm, USER_VA + i * 4096, 1);
    for (let i = 0; i < N; i++) {
      expect(m.cachedTranslations(frames[i]).map((t) => [t.va, t.cpus])).toEqual([
        [USER_VA + i * 4096, [0, 1]],
      ]);
      expect(m.cachedCpus(mm, USER_VA + i * 4096)).toEqual([0, 1]);
    }
    // CPU 0 invalidates the even pages: the odd ones stay on both CPUs, the even ones on CPU 1 only.
    for (let i = 0; i < N; i += 2) m.invlpg(0, USER_VA + i * 4096);
    for (let i = 0; i < N; i++)
      expect(m.cachedCpus(mm, USER_VA + i * 4096)).toEqual(i % 2 === 0 ? [1] : [0, 1]);
    for (let i = 0; i < N; i++) m.invlpg(1, USER_VA + i * 4096);
    for (let i = 0; i < N; i += 2) expect(m.reachers(frames[i]).stale).toBe(0);
    for (let i = 1; i < N; i += 2) expect(m.cachedCpus(mm, USER_VA + i * 4096)).toEqual([0]);
  });

  it('150 changed leaves to one frame: the frame lists them all, by VA, and loses each as it is invalidated', () => {
    const { m, table, data } = rig({ cpus: 1, memory: '64MiB' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const f = data();
    for (let i = 0; i < N; i++) m.setLeaf(mm, USER_VA + i * 4096, 1, f, RW_USER);
    m.setRoot(0, mm);
    for (let i = 0; i < N; i++) m.clearEntry(mm, USER_VA + i * 4096, 1);
    expect(m.cachedTranslations(f).map((t) => t.va)).toEqual(
      Array.from({ length: N }, (_, i) => USER_VA + i * 4096),
    );
    expect(m.reachers(f)).toMatchObject({ valid: 0, stale: N, staleWritable: N });
    // Invalidate every third page: the frame keeps the others.
    for (let i = 0; i < N; i += 3) m.invlpg(0, USER_VA + i * 4096);
    const left = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 !== 0);
    expect(m.cachedTranslations(f).map((t) => t.va)).toEqual(left.map((i) => USER_VA + i * 4096));
    expect(m.reachers(f).stale).toBe(left.length);
  });

  it('150 unlinked tables: a stale walk-cache entry for each, gone with a full flush', () => {
    const { m, table } = rig({ cpus: 1, memory: '64MiB' });
    const mm = m.createSpace(1, table);
    const pts: number[] = [];
    for (let i = 0; i < N; i++) {
      m.ensurePath(mm, USER_VA + i * LEVEL_SIZE[2], 1, table);
      pts.push(m.lookup(mm, USER_VA + i * LEVEL_SIZE[2]).tables[3]);
    }
    m.setRoot(0, mm);
    for (let i = 0; i < N; i++) m.clearEntry(mm, USER_VA + i * LEVEL_SIZE[2], 2);
    expect(m.staleWalkEntries().map((e) => [e.va, e.tablePfn])).toEqual(
      pts.map((p, i) => [USER_VA + i * LEVEL_SIZE[2], p]),
    );
    for (const p of pts) expect(m.staleWalkRefs(p)).toBe(1);
    m.setRoot(0, mm);
    expect(m.staleWalkEntries()).toEqual([]);
  });
});
