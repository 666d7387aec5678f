// Each invariant of DESIGN §3 on hand-built machine states, once holding and once broken. The states
// are built with MMU primitives only: a stale entry is left by a store without the invalidation the
// kernel owes, exactly as the seeds describe.
import 'reflect-metadata';
import { Access, Mode, Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FRAME_MERMAP, FRAME_REVOKED, FrameState, INVARIANTS, INVARIANT_IDS } from '../src/index.js';
import { KDATA, KEXEC, UDATA, UREAD, fixture, freeFrame, read } from './machine-fixture.js';

const MODULE_VA = 2 ** 47 + 2 ** 40; // a kernel-half address outside the linear map

describe('catalogue', () => {
  it('has one invariant per DESIGN §3 id, each described', () => {
    expect(INVARIANTS.map((i) => i.id)).toEqual([...INVARIANT_IDS]);
    for (const i of INVARIANTS) expect(i.description.length).toBeGreaterThan(20);
  });
});

describe('stale-exec-alias (INV-XALIAS)', () => {
  function setup(flushFirst: boolean) {
    const f = fixture('x86_64', ['stale-exec-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(f.m.access(1, MODULE_VA, Access.EXEC, Mode.KERNEL)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1); // vunmap of module text
    if (flushFirst) for (let c = 0; c < 2; c++) f.m.invlpg(c, MODULE_VA); // flush_tlb_kernel_range
    freeFrame(f, p); // __free_pages
    return { f, p };
  }
  it('breaks when module text is freed before its executable entry is flushed', () => {
    const { f, p } = setup(false);
    const v = f.mon.take().filter((x) => x.invariant === 'stale-exec-alias');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ frame: p, address: MODULE_VA, claimed: true });
  });
  it('holds when every CPU flushed before the free', () => {
    expect(setup(true).f.ids()).not.toContain('stale-exec-alias');
  });
});

describe('wx-alias (INV-WX)', () => {
  it('breaks when the direct-map alias is writable while the module alias is executable', () => {
    const f = fixture();
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(f.ids()).toContain('wx-alias');
  });
  it('holds when the direct-map alias is read-only (set_memory_ro on the alias)', () => {
    const f = fixture();
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, Pte.PRESENT | Pte.GLOBAL);
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(f.ids()).not.toContain('wx-alias');
  });
  it('does not count a user-executable page written through the linear map (not kernel W^X)', () => {
    const f = fixture();
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    f.map(f.user, 0x400000, p, UREAD | Pte.XUSER);
    expect(f.ids()).not.toContain('wx-alias');
  });
  it('breaks through a stale writable alias while the kernel alias is executable', () => {
    const f = fixture();
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    f.map(f.m.kernelSpace, dm, p, KDATA);
    expect(read(f, 1, dm)).toBe(0);
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, Pte.PRESENT | Pte.GLOBAL); // set_memory_ro, flush pending
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC); // set_memory_x before the flush
    expect(f.ids()).toContain('wx-alias');
  });
  it('does not count one RWX mapping as an alias of itself', () => {
    const f = fixture();
    const p = f.frame();
    f.map(f.user, 0x400000, p, UDATA | Pte.XUSER);
    expect(f.ids()).not.toContain('wx-alias');
  });
});

describe('stale-after-free', () => {
  function setup(flush: boolean) {
    const f = fixture();
    const p = f.frame();
    f.map(f.user, 0x400000, p, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.m.clearEntry(f.user, 0x400000, 1);
    if (flush) for (let c = 0; c < 2; c++) f.m.invlpg(c, 0x400000);
    freeFrame(f, p);
    f.m.frames.setTag(p, 'data'); // reused
    f.book.setState(p, FrameState.Allocated);
    return f;
  }
  it('breaks when a frame is reused while a stale user entry reaches it', () => {
    expect(setup(false).ids()).toContain('stale-after-free');
  });
  it('holds when the entry was flushed before the free', () => {
    expect(setup(true).ids()).not.toContain('stale-after-free');
  });
  it('breaks when the frame book is told of the reuse before the machine (issue 10 defect 3)', () => {
    // linux-mm's frame sink (packages/linux-mm machine-frame-sink.ts) writes the book first and re-tags the
    // machine frame after: judged only at the book's event the frame still looked free to the machine.
    const f = fixture();
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(read(f, 1, MODULE_VA)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1); // lazy vfree: PTE cleared, no flush
    f.book.setState(p, FrameState.Free);
    f.m.frames.free(p);
    expect(f.ids()).toContain('stale-exec-alias');
    f.book.setState(p, FrameState.Allocated);
    f.m.frames.setTag(p, 'data');
    f.mon.operationReturned();
    expect(f.ids()).toEqual(['stale-after-free']);
  });
});

describe('direct-map-default (INV-DMAP-DEFAULT)', () => {
  function setup(flags: number, to: FrameState = FrameState.Free) {
    const f = fixture();
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, flags);
    f.book.setState(p, to);
    return f;
  }
  it('breaks when a frame reaches the allocator with a read-only linear-map entry', () => {
    expect(setup(Pte.PRESENT | Pte.GLOBAL).ids()).toContain('direct-map-default');
  });
  it('breaks when the linear-map entry is not present', () => {
    const f = fixture();
    const p = f.frame();
    f.book.setState(p, FrameState.Free);
    expect(f.ids()).toContain('direct-map-default');
  });
  it('holds for a default RW NX entry, and for frames going to an unmapped pool', () => {
    expect(setup(KDATA).ids()).not.toContain('direct-map-default');
    expect(setup(0x0 | Pte.PRESENT, FrameState.UnmappedPool).ids()).not.toContain('direct-map-default');
  });
});

describe('freed-pagetable-walk (INV-FREED-PT) and pagetable-reuse', () => {
  function setup(flush: boolean) {
    const f = fixture();
    const p = f.frame();
    f.map(f.user, 0x400000, p, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0); // fills CPU 1's walk cache
    const pte = f.m.lookup(f.user, 0x400000).tables[3];
    f.m.clearEntry(f.user, 0x400000, 1);
    f.m.clearEntry(f.user, 0x400000 - (0x400000 % (2 * 1024 * 1024)), 2); // free_pte_range: unlink
    if (flush) for (let c = 0; c < 2; c++) f.m.invpcid(c, 1, 1); // single-context: TLB + walk caches
    f.m.frames.free(pte);
    f.book.setState(pte, FrameState.Free);
    return { f, pte };
  }
  it('breaks when the table is freed while a walk-cache entry may still point at it', () => {
    const { f, pte } = setup(false);
    f.mon.operationReturned();
    const v = f.mon.take().find((x) => x.invariant === 'freed-pagetable-walk');
    expect(v?.frame).toBe(pte);
  });
  it('holds when the walk caches were flushed before the free', () => {
    const { f } = setup(true);
    f.mon.operationReturned();
    expect(f.ids()).not.toContain('freed-pagetable-walk');
  });
  it('second honesty rule: latent while no holder has the PCID loaded, counts once it is reloaded without a flush', () => {
    const f = fixture();
    const p = f.frame();
    f.map(f.user, 0x400000, p, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    const other = f.m.createSpace(2, f.table);
    f.m.setRoot(0, other);
    f.m.setRoot(1, other, { noflush: true }); // CPU 1 leaves PCID 1 behind, entries kept
    const pte = f.m.lookup(f.user, 0x400000).tables[3]!;
    f.m.clearEntry(f.user, 0x400000, 1);
    f.m.clearEntry(f.user, 0x400000 - (0x400000 % (2 * 1024 * 1024)), 2);
    f.m.frames.free(pte);
    f.book.setState(pte, FrameState.Free);
    f.mon.operationReturned();
    expect(f.ids()).not.toContain('freed-pagetable-walk');
    f.m.setRoot(1, f.user, { noflush: true }); // PCID 1 loaded again without a flush
    f.mon.operationReturned();
    expect(f.ids()).toContain('freed-pagetable-walk');
  });
  it('pagetable-reuse breaks when the freed table is linked again under the stale entry', () => {
    const { f, pte } = setup(false);
    f.m.frames.setTag(pte, 'page-table');
    f.m.ensurePath(f.user, 0x40000000, 2, f.table);
    f.m.setTable(f.user, 0x40000000, 2, pte);
    f.mon.operationReturned();
    expect(f.ids()).toContain('pagetable-reuse');
  });
  it('pagetable-reuse holds when the reused table was flushed first', () => {
    const { f, pte } = setup(true);
    f.m.frames.setTag(pte, 'page-table');
    f.m.ensurePath(f.user, 0x40000000, 2, f.table);
    f.m.setTable(f.user, 0x40000000, 2, pte);
    f.mon.operationReturned();
    expect(f.ids()).not.toContain('pagetable-reuse');
  });
});

describe('double-use (Casemate model.c mark_cb "double-use pte")', () => {
  const PMD = 2 * 1024 * 1024;
  function linkedTwice(how: 'still-linked' | 'unclean' | 'clean' | 'freed') {
    const f = fixture('arm64', ['double-use']);
    f.m.ensurePath(f.user, 0x400000, 2, f.table);
    f.m.ensurePath(f.user, 0x40000000, 2, f.table);
    const pt = f.table();
    f.m.setTable(f.user, 0x400000 - (0x400000 % PMD), 2, pt);
    if (how !== 'still-linked') {
      f.m.clearEntry(f.user, 0x400000 - (0x400000 % PMD), 2); // unlink (Casemate: write invalid)
      if (how !== 'unclean') {
        f.m.tlbi(0, 'VAE1', { va: 0x400000, asid: 1 });
        f.m.dsb(0); // the unlink is clean: no walk-cache entry points at it any more
      }
      if (how === 'freed') freeFrame(f, pt);
    }
    f.mon.take();
    f.m.setTable(f.user, 0x40000000, 2, pt);
    return f.mon.take().filter((v) => v.invariant === 'double-use');
  }
  it('breaks when a table still linked at one place is linked at another', () => {
    const v = linkedTwice('still-linked');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ claimed: true, address: 0x40000000 });
  });
  it('breaks when the first link was removed without TLBI + DSB (examples/tests/bad_reuse_page.c)', () => {
    expect(linkedTwice('unclean')).toHaveLength(1);
  });
  it('holds once the unlink was made clean by TLBI + DSB', () => {
    expect(linkedTwice('clean')).toHaveLength(0);
  });
  it('holds when the frame was freed in between (that is pagetable-reuse’s question)', () => {
    expect(linkedTwice('freed')).toHaveLength(0);
  });
});

describe('unmapped-stays-unmapped (INV-UNMAPPED)', () => {
  function setup(flush: boolean) {
    const f = fixture();
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    f.map(f.m.kernelSpace, dm, p, KDATA);
    expect(read(f, 1, dm)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, dm, 1); // set_direct_map_invalid_noflush
    if (flush) for (let c = 0; c < 2; c++) f.m.invlpg(c, dm);
    f.book.setState(p, FrameState.Unmapped); // handed out as __GFP_UNMAPPED
    return f;
  }
  it('breaks when the frame is handed out with a cached direct-map entry (skip-flush)', () => {
    expect(setup(false).ids()).toContain('unmapped-stays-unmapped');
  });
  it('holds when the direct-map entry was removed and flushed', () => {
    expect(setup(true).ids()).not.toContain('unmapped-stays-unmapped');
  });
  it('breaks when a present direct-map entry reaches an unmapped frame', () => {
    const f = fixture();
    const p = f.frame();
    f.book.setState(p, FrameState.Unmapped);
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    expect(f.ids()).toContain('unmapped-stays-unmapped');
  });
});

describe('pfn-release (INV-PFN-RELEASE)', () => {
  function setup(flush: boolean) {
    const f = fixture();
    const p = f.frame();
    f.map(f.user, 0x400000, p, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.m.clearEntry(f.user, 0x400000, 1); // zap_page_range_single
    if (flush) for (let c = 0; c < 2; c++) f.m.invlpg(c, 0x400000);
    f.book.markRevoked([p]); // unmap_mapping_range returned
    return f;
  }
  it('breaks when a CPU may still translate to the revoked PFN', () => {
    expect(setup(false).ids()).toContain('pfn-release');
  });
  it('holds after the forced flush', () => {
    expect(setup(true).ids()).not.toContain('pfn-release');
  });
  it('is judged again at every later store: mapping the revoked PFN again breaks it (DESIGN §3)', () => {
    const f = setup(true);
    const revoked = [...Array(f.m.frames.count).keys()].find((x) => (f.book.flags(x) & FRAME_REVOKED) !== 0)!;
    f.map(f.user, 0x800000, revoked, UREAD);
    expect(f.ids()).toContain('pfn-release');
  });
});

describe('mermap-free (INV-MERMAP-FREE)', () => {
  it('breaks when a frame is freed while still in the mermap', () => {
    const f = fixture();
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    f.book.setFlag(p, FRAME_MERMAP, true);
    f.book.setState(p, FrameState.Free);
    expect(f.ids()).toContain('mermap-free');
  });
  it('breaks when a cached mermap entry still reaches the frame, holds once flushed', () => {
    const win = { start: MODULE_VA, end: MODULE_VA + 16 * 4096 };
    for (const flush of [false, true]) {
      const f = fixture('x86_64', [], { window: (n) => (n === 'linux.mermap' ? win : undefined) });
      const p = f.frame();
      f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
      f.map(f.m.kernelSpace, MODULE_VA, p, KDATA);
      expect(read(f, 1, MODULE_VA)).toBe(0);
      f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1); // mermap_put without the local flush
      if (flush) for (let c = 0; c < 2; c++) f.m.invlpg(c, MODULE_VA);
      f.book.setState(p, FrameState.Free);
      expect(f.ids().includes('mermap-free')).toBe(!flush);
    }
  });
});

describe('pkey-tag (INV-PKEY-TAG) and pkey-kept', () => {
  function setup(flush: boolean) {
    const f = fixture();
    const p = f.frame();
    f.map(f.user, 0x400000, p, UDATA | (1 << Pte.KEY_SHIFT));
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.m.setLeaf(f.user, 0x400000, 1, p, UDATA | (2 << Pte.KEY_SHIFT)); // pkey_mprotect to key 2
    if (flush) for (let c = 0; c < 2; c++) f.m.invlpg(c, 0x400000);
    f.mon.operationReturned();
    return f;
  }
  it('pkey-tag breaks while a cached entry still carries the old key', () => {
    expect(setup(false).ids()).toContain('pkey-tag');
  });
  it('pkey-tag holds after the flush', () => {
    expect(setup(true).ids()).not.toContain('pkey-tag');
  });
  it('pkey-kept breaks when a page of a keyed range comes back with another key', () => {
    const f = fixture();
    const p = f.frame();
    f.book.setExpectedKey(1, 0x400000, 0x402000, 3);
    f.map(f.user, 0x400000, p, UDATA | (3 << Pte.KEY_SHIFT));
    f.mon.operationReturned();
    expect(f.ids()).not.toContain('pkey-kept');
    f.m.setLeaf(f.user, 0x400000, 1, p, UDATA); // refault after swap-out with key 0 (D39556)
    f.mon.operationReturned();
    expect(f.ids()).toContain('pkey-kept');
  });
  it('pkey-kept over the whole user address space costs the existing tables, not the range (issue 10 defect 9)', () => {
    // AMD64_SET_PKRU over 0x1000..0x7ffffffff000 (x86_pkru(3)): pmap_pkru_update_range
    // (sys/amd64/amd64/pmap.c) skips every PML4/PDP/PD entry that is not valid. The judge does the same;
    // walking the 2^35 pages one by one did not finish in 18 minutes.
    const f = fixture();
    const p = f.frame();
    const q = f.frame();
    f.book.setExpectedKey(1, 0x1000, 0x7ffffffff000, 3);
    f.map(f.user, 0x400000, p, UDATA | (3 << Pte.KEY_SHIFT));
    f.map(f.user, 0x7f0000000000, q, UDATA); // key 0: dropped
    let lookups = 0;
    const lookup = f.m.lookup.bind(f.m);
    f.m.lookup = (space, va) => (lookups++, lookup(space, va));
    f.mon.operationReturned();
    expect(f.mon.take().map((v) => [v.invariant, v.frame])).toEqual([['pkey-kept', q]]);
    // Two PTE pages of 512 entries, two PD and two PDP pages, one PML4: a few thousand at most.
    expect(lookups).toBeLessThan(3 * 512 + 3 * 512 + 256);
  });
});

describe('pagetable-write-protected', () => {
  it('breaks when a stray write from the default context lands in a page-table frame', () => {
    const f = fixture('arm64', ['pagetable-write-protected']);
    const pt = f.m.lookup(f.user, 0).tables[0];
    f.mon.strayWrite(0, pt, null, true);
    expect(f.mon.take()[0]).toMatchObject({
      invariant: 'pagetable-write-protected',
      frame: pt,
      claimed: true,
    });
  });
  it('holds for a write that faulted or came from the privileged context', () => {
    const f = fixture('arm64');
    const pt = f.m.lookup(f.user, 0).tables[0];
    f.mon.strayWrite(0, pt, null, false);
    f.mon.strayWrite(0, pt, 'kpkeys-pgtables', true);
    f.mon.strayWrite(0, f.frame(), null, true); // not a page table
    expect(f.ids()).toEqual([]);
  });
});

describe('break-before-make (arm64)', () => {
  it('is reported at the store that replaces a valid entry by another frame', () => {
    const f = fixture('arm64');
    const a = f.frame();
    const b = f.frame();
    f.map(f.user, 0x400000, a, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.m.setLeaf(f.user, 0x400000, 1, b, UDATA);
    expect(f.mon.take().find((v) => v.invariant === 'break-before-make')).toMatchObject({
      address: 0x400000,
    });
  });
  it('holds with invalid, TLBI, DSB in between', () => {
    const f = fixture('arm64');
    const a = f.frame();
    const b = f.frame();
    f.map(f.user, 0x400000, a, UDATA);
    expect(read(f, 1, 0x400000, true)).toBe(0);
    f.m.clearEntry(f.user, 0x400000, 1);
    f.m.tlbi(0, 'VAE1', { va: 0x400000, asid: 1 });
    f.m.dsb(0);
    f.m.setLeaf(f.user, 0x400000, 1, b, UDATA);
    expect(f.ids()).not.toContain('break-before-make');
  });
});

describe('stale-direct-map (soft)', () => {
  function setup(flush: boolean) {
    const f = fixture('x86_64', ['stale-direct-map']);
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    f.map(f.m.kernelSpace, dm, p, Pte.PRESENT | Pte.GLOBAL);
    expect(read(f, 1, dm)).toBe(0);
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, KDATA); // set_memory_rw without a flush: allowed on x86
    if (flush) for (let c = 0; c < 2; c++) f.m.invlpg(c, dm);
    f.mon.operationReturned();
    return f;
  }
  it('is a note (never a finding) while a less permissive entry may be cached', () => {
    const v = setup(false)
      .mon.take()
      .filter((x) => x.invariant === 'stale-direct-map');
    expect(v).toHaveLength(1);
    expect(v[0].claimed).toBe(false);
  });
  it('is gone after the flush', () => {
    expect(setup(true).ids()).not.toContain('stale-direct-map');
  });
  it('a less permissive stale entry is not stale-after-free either (first honesty rule)', () => {
    expect(setup(false).ids()).not.toContain('stale-after-free');
  });
});
