// Large leaves cost what a 4 KiB leaf costs (issue 11, "Large leaves in O(1)"): one round of store leaf +
// access + clear + invalidate (+ DSB) on a raw machine with every invariant watching, for a 4 KiB page, a
// 2 MiB block and a 1 GiB block, on arm64 and x86_64. The figure is the ratio of a block round to a 4 KiB
// round; it stays a small constant only if neither the MMU's reverse view nor the invariants do work per
// 4 KiB frame inside the block (before block leaves were counted per chunk a 1 GiB round cost about
// 30000 4 KiB rounds). Writable leaves, then executable (RX) and RWX ones over frames in use: the
// invariants about executable frames (stale-exec-alias, wx-alias) must judge a block per chunk too.
// CPU time of this process, best of three.
import { Access, Mode, Pte, createMachine } from '@shootdown/mmu';
import { FrameState, FrameTable, InvariantMonitor } from '@shootdown/core';

const USER_VA = 0x40000000;

function cpuSeconds(fn) {
  const t = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
}

/** A 4 GiB two-CPU machine with a user space live on both CPUs and the invariant monitor attached. */
function rig(arch, level, pfn, inUse) {
  const m = createMachine({ arch, cpus: 2, memory: '4GiB', tlb: 'adversarial' });
  const table = () => m.frames.allocAny('page-table');
  m.createKernelSpace(table);
  const mm = m.createSpace(1, table);
  m.ensurePath(mm, USER_VA, level, table);
  for (let c = 0; c < 2; c++) m.setRoot(c, mm);
  const book = new FrameTable(m.frames.count);
  if (inUse) {
    // The block's frames are data the OS handed out (book and MMU agree), as code pages would be.
    for (let f = pfn; f < pfn + 262144; f++) {
      m.frames.setTag(f, 'data');
      book.setState(f, FrameState.Allocated);
    }
  }
  const monitor = new InvariantMonitor(m, book, [], { window: () => undefined, spaceOf: () => undefined });
  monitor.attach();
  return { m, mm, monitor };
}

/** `n` rounds of one leaf of `level` (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB) at an aligned VA and frame. */
function rounds(arch, level, prot = 'rw') {
  const pfn = 0x40000; // 1 GiB-aligned, past the page tables
  const { m, mm, monitor } = rig(arch, level, pfn, prot !== 'rw');
  const flags =
    (prot.includes('w') ? Pte.WRITABLE : 0) | (prot.includes('x') ? Pte.XUSER | Pte.XKERNEL : 0) | Pte.USER;
  const kind = prot.includes('w') ? Access.WRITE : Access.READ;
  return (n) => {
    for (let i = 0; i < n; i++) {
      m.setLeaf(mm, USER_VA, level, pfn, flags);
      m.access(1, USER_VA, kind, Mode.USER);
      m.clearEntry(mm, USER_VA, level);
      if (arch === 'arm64') {
        m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 });
        m.dsb(0);
      } else {
        for (let c = 0; c < 2; c++) m.invlpg(c, USER_VA);
      }
      monitor.operationReturned();
      const v = monitor.take();
      if (v.length !== 0) throw new Error('large-leaf bench: an invariant fired: ' + JSON.stringify(v[0]));
    }
  };
}

/** CPU seconds per round: n grown until a batch takes ≥ 0.2 s, best of three. */
function perRound(fn) {
  fn(1);
  let n = 1;
  let t = cpuSeconds(() => fn(n));
  while (t < 0.2) {
    n = Math.ceil((n * 0.2 * 1.2) / Math.max(t, 1e-4));
    t = cpuSeconds(() => fn(n));
  }
  let best = t / n;
  for (let k = 0; k < 2; k++) best = Math.min(best, cpuSeconds(() => fn(n)) / n);
  return best;
}

export async function run(report) {
  for (const arch of ['arm64', 'x86_64']) {
    const small = perRound(rounds(arch, 1));
    report(`${arch} 4 KiB leaf round`, small * 1e6, ' µs');
    for (const [level, name] of [
      [2, '2 MiB'],
      [3, '1 GiB'],
    ]) {
      const t = perRound(rounds(arch, level));
      report(`${arch} ${name} block round`, t * 1e6, ' µs');
      report(`  ratio to the 4 KiB round`, t / small, '×', { max: 4 });
    }
    for (const prot of ['rx', 'rwx']) {
      const t = perRound(rounds(arch, 3, prot));
      report(`${arch} 1 GiB ${prot.toUpperCase()} block round`, t * 1e6, ' µs');
      report(`  ratio to the 4 KiB round`, t / small, '×', { max: 4 });
    }
  }
}
