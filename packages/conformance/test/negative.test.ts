// The kit catches broken plug-ins: each fixture under fixtures/ breaks one contract, and the kit's own
// tests — registered through a recording stand-in for vitest — must fail with a message that names it.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeConformance, type TestApi } from '../src/index.js';

interface Recorded {
  readonly name: string;
  readonly body: () => void;
}

/** Runs describe bodies at once and keeps every test with its full name (`a › b › c`). */
function recorder(): { api: TestApi; tests: Recorded[] } {
  const tests: Recorded[] = [];
  const path: string[] = [];
  const it = (name: string, body: () => void): void => {
    tests.push({ name: [...path, name].join(' › '), body });
  };
  const api: TestApi = {
    describe(name, body) {
      path.push(name);
      body();
      path.pop();
    },
    it: Object.assign(it, { fails: it, skip: it }),
  };
  return { api, tests };
}

/** The error a recorded test throws, or null when it passes. */
function failureOf(tests: readonly Recorded[], nameEnd: string): string | null {
  const t = tests.find((x) => x.name.endsWith(nameEnd));
  if (t === undefined) throw new Error(`no recorded test ends with '${nameEnd}'`);
  try {
    t.body();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}/`, import.meta.url));

const unknownClaim = recorder();
await describeConformance({ pluginDir: fixture('unknown-claim') }, unknownClaim.api);
const noDefault = recorder();
await describeConformance({ pluginDir: fixture('no-default') }, noDefault.api);
const silentUnmap = recorder();
await describeConformance({ pluginDir: fixture('silent-unmap') }, silentUnmap.api);
const claimsMore = recorder();
await describeConformance({ pluginDir: fixture('claims-more') }, claimsMore.api);
const staleEntry = recorder();
await describeConformance(
  { pluginDir: fixture('unknown-claim'), knownFailures: ['unknown-claim › no such check'] },
  staleEntry.api,
);

describe('the kit catches a broken plug-in', () => {
  it('a variant claiming an invariant core does not know (DESIGN §3: claims are invariant ids)', () => {
    const msg = failureOf(unknownClaim.tests, 'unknown-claim › declaration');
    expect(msg).toContain('policy unknown-claim');
    expect(msg).toContain("unknown-claim:flush=eager claims 'stale-tlb-forever'");
    // one paragraph per description (DESIGN §3 "Every variant has a one-paragraph description")
    expect(msg).toContain('unknown-claim:flush=lazy: the description is more than one paragraph');
  });

  it('a configure that registers no contract (core README "What configure must register")', () => {
    const msg = failureOf(unknownClaim.tests, 'unknown-claim › configure registers every contract token');
    for (const token of ['Kernel', 'VmMap', 'Pmap', 'MmuGather', 'PageAllocator', 'KernelMemory']) {
      expect(msg).toContain(`unknown-claim: configure did not register Tokens.${token}`);
    }
  });

  it('a mechanism without a default is refused when the plug-in loads, and the kit says so', () => {
    const msg = failureOf(noDefault.tests, 'loads as the CLI loads it');
    expect(msg).toContain('plug-in fixture-no-default failed to load');
    expect(msg).toContain("default variant 'upstream' is not one of its variants");
  });

  it('a munmap that reports ok and does nothing is caught, naming selection, scenario and step', () => {
    const msg = failureOf(silentUnmap.tests, 'silent-unmap › mmap-munmap.yaml under silent-unmap');
    expect(msg).toContain('policy silent-unmap, selection silent-unmap, scenario mmap-munmap.yaml');
    // mmap-munmap.yaml step 8: after munmap the current entry is gone under every variant
    expect(msg).toMatch(/step 8 check \(line \d+\): expected \{ present: false \}/);
    // the untouched scenarios still pass: the kit blames the broken op, not everything
    expect(failureOf(silentUnmap.tests, 'silent-unmap › page-alloc-free.yaml under silent-unmap')).toBeNull();
  });

  it('a selection claiming pagetable-write-protected whose stray writes land is caught by the claims rule', () => {
    const msg = failureOf(
      claimsMore.tests,
      'claims-more › claims/stray-writes.yaml under claims-more gives what it claims',
    );
    expect(msg).toContain('scenario claims/stray-writes.yaml');
    // every level the scenario aims at: user, vmalloc, linear map, kernel image
    expect(msg).toMatch(/claims pagetable-write-protected, but at step 3 stray-write \(line \d+\)/);
    expect(msg).toMatch(/step 11 stray-write .*page-table frame/);
    expect(msg).toMatch(/step 16 stray-write .*page-table frame/);
    // the generic scenarios do not judge stray writes: the plug-in passes them
    expect(failureOf(claimsMore.tests, 'claims-more › page-alloc-free.yaml under claims-more')).toBeNull();
  });

  it('a known-failure entry that names no check is itself a failure', () => {
    const msg = failureOf(staleEntry.tests, 'known failures name existing checks');
    expect(msg).toContain("'unknown-claim › no such check', which is no check");
  });
});
