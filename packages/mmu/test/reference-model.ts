// A deliberately naive reference model of the adversarial TLB's reverse view, written only for tests:
// lists of translations, no typed arrays, no indexes. Semantics from DESIGN §2 (adversarial model) and
// spec linux.md §2.1 (what each x86 instruction drops).

export interface RefLeaf {
  pfn: number;
  flags: { w: boolean; x: boolean; global: boolean };
  storedAt: number;
}

interface RefCached extends RefLeaf {
  holders: Set<number>;
  va: number;
  tag: number | 'global';
}

export class ReferenceTlb {
  clock = 1;
  readonly valid = new Map<string, RefLeaf & { space: number; va: number }>();
  cached: RefCached[] = [];
  readonly loaded: Set<number>[];
  readonly cur: number[];
  readonly freedAt = new Map<number, number>();

  constructor(
    readonly cpus: number,
    readonly asidOf: (space: number) => number,
    readonly kernelSpace: number,
  ) {
    this.loaded = Array.from({ length: cpus }, () => new Set<number>());
    this.cur = Array.from({ length: cpus }, () => -1);
  }

  private holdersOf(tag: number | 'global'): Set<number> {
    const s = new Set<number>();
    for (let c = 0; c < this.cpus; c++) if (tag === 'global' || this.loaded[c].has(tag)) s.add(c);
    return s;
  }

  private tagOf(space: number, leaf: RefLeaf): number | 'global' {
    return space === this.kernelSpace || leaf.flags.global ? 'global' : this.asidOf(space);
  }

  store(space: number, va: number, leaf: Omit<RefLeaf, 'storedAt'> | null): void {
    const key = `${space}:${va}`;
    const old = this.valid.get(key);
    if (
      old !== undefined &&
      leaf !== null &&
      old.pfn === leaf.pfn &&
      JSON.stringify(old.flags) === JSON.stringify(leaf.flags)
    )
      return;
    if (old === undefined && leaf === null) return;
    const now = this.clock++;
    if (old !== undefined) {
      const tag = this.tagOf(space, old);
      const holders = this.holdersOf(tag);
      if (holders.size > 0) this.cached.push({ ...old, holders, va, tag });
      this.valid.delete(key);
    }
    if (leaf !== null) this.valid.set(key, { ...leaf, storedAt: now, space, va });
  }

  private drop(cpu: number, pred: (c: RefCached) => boolean): void {
    for (const c of this.cached) if (pred(c)) c.holders.delete(cpu);
    this.cached = this.cached.filter((c) => c.holders.size > 0);
  }

  invlpg(cpu: number, va: number): void {
    const tag = this.asidOf(this.cur[cpu]);
    this.drop(cpu, (c) => c.va === va && (c.tag === tag || c.tag === 'global'));
  }

  setRoot(cpu: number, space: number, noflush: boolean): void {
    const tag = this.asidOf(space);
    if (!noflush) this.drop(cpu, (c) => c.tag === tag && !c.flags.global);
    this.cur[cpu] = space;
    this.loaded[cpu].add(tag);
  }

  flushGlobal(cpu: number): void {
    this.drop(cpu, () => true);
    const keep = this.cur[cpu] >= 0 ? this.asidOf(this.cur[cpu]) : -1;
    for (const t of [...this.loaded[cpu]]) if (t !== keep) this.loaded[cpu].delete(t);
  }

  free(pfn: number): void {
    this.freedAt.set(pfn, this.clock++);
  }

  private reaching(pfn: number): { leaf: RefLeaf; stale: boolean }[] {
    const out: { leaf: RefLeaf; stale: boolean }[] = [];
    for (const v of this.valid.values()) if (v.pfn === pfn) out.push({ leaf: v, stale: false });
    for (const c of this.cached) if (c.pfn === pfn) out.push({ leaf: c, stale: true });
    return out;
  }

  writable(pfn: number): boolean {
    return this.reaching(pfn).some((r) => r.leaf.flags.w);
  }

  executable(pfn: number): boolean {
    return this.reaching(pfn).some((r) => r.leaf.flags.x);
  }

  cachedAfterFree(pfn: number): boolean {
    const f = this.freedAt.get(pfn) ?? 0;
    return this.reaching(pfn).some((r) => r.stale && f > r.leaf.storedAt);
  }

  reachableAfterFree(pfn: number): boolean {
    const f = this.freedAt.get(pfn) ?? 0;
    return this.reaching(pfn).some((r) => f > r.leaf.storedAt);
  }

  /** CPUs that may hold a stale translation of `pfn`. */
  staleCpus(pfn: number): number[] {
    const s = new Set<number>();
    for (const c of this.cached) if (c.pfn === pfn) for (const h of c.holders) s.add(h);
    return [...s].sort((a, b) => a - b);
  }
}
