// The permission rules every access is checked by (README "Accesses"), page kind × access mode × kind,
// in both architectures and both TLB models, against a table written from the architecture references:
//  x86 (Intel SDM Vol. 3A §4.6, CR0.WP = 1, CR4.SMEP = CR4.SMAP = 1, EFLAGS.AC = 0 except uaccess):
//   user-mode accesses to supervisor pages fault; writes need R/W; fetches need XD clear (per mode here);
//   supervisor fetches from user pages fault (SMEP); supervisor data accesses to user pages fault unless
//   AC = 1 (SMAP; uaccess is STAC … CLAC).
//  arm64 (Arm ARM D8.4, PSTATE.PAN = 1): EL0 and unprivileged LDTR/STTR (uaccess) accesses to pages
//   without AP[1] (EL0 access) fault; writes need AP[2] clear; EL1 data accesses to EL0 pages fault (PAN);
//   EL1 fetches from EL0 pages fault (PXN, which Linux sets on every user page).
import { describe, expect, it } from 'vitest';
import { Access, KERNEL_HALF, Mode, Outcome, Pte, type AccessKind, type AccessMode } from '../src/index.js';
import { USER_VA, rig, type Rig } from './helpers.js';

interface Page {
  name: string;
  user: boolean;
  w: boolean;
  x: boolean;
}

const PAGES: Page[] = [];
for (const user of [true, false])
  for (const w of [false, true])
    for (const x of [false, true])
      PAGES.push({ name: `${user ? 'user' : 'kernel'} ${w ? 'W' : 'RO'}${x ? '+X' : ''}`, user, w, x });

const KINDS: [string, AccessKind][] = [
  ['read', Access.READ],
  ['write', Access.WRITE],
  ['exec', Access.EXEC],
];
const MODES: [string, AccessMode][] = [
  ['user', Mode.USER],
  ['kernel', Mode.KERNEL],
  ['uaccess', Mode.UACCESS],
];

/** The privilege rules alone (user/supervisor, SMEP/PXN, SMAP/PAN): a fault, or OK when they allow it. */
function privilege(arch: 'x86_64' | 'arm64', p: Page, kind: AccessKind, mode: AccessMode): number {
  // Who the access is checked as: EL0 for arm64's unprivileged loads/stores, supervisor for x86 uaccess.
  const asUser = mode === Mode.USER || (arch === 'arm64' && mode === Mode.UACCESS);
  if (asUser && !p.user) return Outcome.FAULT_PRIVILEGE;
  if (!asUser && p.user) {
    if (kind === Access.EXEC) return Outcome.FAULT_EXEC; // SMEP / PXN
    if (mode === Mode.KERNEL) return Outcome.FAULT_PRIVILEGE; // SMAP / PAN
  }
  return Outcome.OK;
}

/** The expected outcome, from the rules above. */
function expected(arch: 'x86_64' | 'arm64', p: Page, kind: AccessKind, mode: AccessMode): number {
  const fault = privilege(arch, p, kind, mode);
  if (fault !== Outcome.OK) return fault;
  if (kind === Access.WRITE && !p.w) return Outcome.FAULT_WRITE;
  if (kind === Access.EXEC && !p.x) return Outcome.FAULT_EXEC;
  return Outcome.OK;
}

/**
 * Map page kind `p` (the `i`th) for the tests below: user pages in the user half, kernel pages in the kernel
 * half (a user page in the kernel half is no case: Linux maps none there), output frame 100 + i. Its VA.
 */
function mapPage(r: Rig, mm: number, i: number, p: Page, extra = 0): number {
  const space = p.user ? mm : r.kernel;
  const va = (p.user ? USER_VA : KERNEL_HALF + 0x40000000) + i * 4096;
  r.m.ensurePath(space, va, 1, r.table);
  const x = p.x ? (p.user ? Pte.XUSER : Pte.XKERNEL) : 0;
  r.m.setLeaf(space, va, 1, 100 + i, (p.user ? Pte.USER : Pte.GLOBAL) | (p.w ? Pte.WRITABLE : 0) | x | extra);
  return va;
}

describe('permission rules: page kind × mode × access', () => {
  for (const arch of ['x86_64', 'arm64'] as const) {
    for (const tlb of ['adversarial', 'precise'] as const) {
      it(`${arch} (${tlb})`, () => {
        const r = rig({ arch, cpus: 1, tlb });
        const m = r.m;
        const mm = m.createSpace(1, r.table);
        m.setRoot(0, mm);
        const rows: string[] = [];
        const want: string[] = [];
        for (const [i, p] of PAGES.entries()) {
          const va = mapPage(r, mm, i, p);
          for (const [mn, mode] of MODES) {
            for (const [kn, kind] of KINDS) {
              if (mode === Mode.UACCESS && kind === Access.EXEC) continue; // no fetch is a uaccess
              const o = m.access(0, va, kind, mode);
              rows.push(`${p.name} ${mn} ${kn}: ${o} pfn ${m.lastPfn}`);
              const e = expected(arch, p, kind, mode);
              want.push(`${p.name} ${mn} ${kn}: ${e} pfn ${e === Outcome.OK ? 100 + i : -1}`);
            }
          }
        }
        expect(rows).toEqual(want);
      });
    }
  }

  // x86 protection keys (Intel SDM Vol. 3A §4.6.2, CR4.PKE = 1, CR0.WP = 1): for data accesses to user-mode
  // addresses only, user and supervisor alike; AD forbids every data access, WD writes. A key fault is
  // reported before a write-permission fault (freebsd-amd64.md §1.3). Every access of a page after the
  // first is a TLB hit in the precise model, so hits and walks both meet every combination.
  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`x86 (${tlb}): PKRU × page kind × mode × access`, () => {
      const key = 5;
      const PKRUS: [string, number][] = [
        ['none', 0],
        ['AD', 1 << (2 * key)],
        ['WD', 2 << (2 * key)],
        ['AD+WD of another key', 3 << (2 * (key + 1))],
      ];
      const r = rig({ cpus: 1, tlb });
      const m = r.m;
      const mm = m.createSpace(1, r.table);
      m.setRoot(0, mm);
      const rows: string[] = [];
      const want: string[] = [];
      for (const [i, p] of PAGES.entries()) {
        const va = mapPage(r, mm, i, p, key << Pte.KEY_SHIFT);
        for (const [pn, pkru] of PKRUS) {
          m.setPkru(0, pkru);
          for (const [mn, mode] of MODES) {
            for (const [kn, kind] of KINDS) {
              if (mode === Mode.UACCESS && kind === Access.EXEC) continue;
              const o = m.access(0, va, kind, mode);
              rows.push(`${p.name} pkru ${pn} ${mn} ${kn}: ${o} pfn ${m.lastPfn}`);
              const bits = (pkru >>> (2 * key)) & 3;
              const keyFault =
                p.user &&
                kind !== Access.EXEC &&
                ((bits & 1) !== 0 || (kind === Access.WRITE && (bits & 2) !== 0));
              const e =
                privilege('x86_64', p, kind, mode) === Outcome.OK && keyFault
                  ? Outcome.FAULT_KEY
                  : expected('x86_64', p, kind, mode);
              want.push(`${p.name} pkru ${pn} ${mn} ${kn}: ${e} pfn ${e === Outcome.OK ? 100 + i : -1}`);
            }
          }
        }
      }
      expect(rows).toEqual(want);
    });
  }

  it('a kernel page executable at EL0 only (UXN clear, PXN set) is not executable by the kernel', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, 5, Pte.USER | Pte.XKERNEL);
    m.setRoot(0, mm);
    // XKERNEL on a user page does not make it executable at EL0 (UXN is set) nor at EL1 (PXN rule).
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.FAULT_EXEC);
    expect(m.access(0, USER_VA, Access.EXEC, Mode.KERNEL)).toBe(Outcome.FAULT_EXEC);
  });
});
