// The pointers whose values already failed the schema, asked two questions per step and per error: "is
// this pointer at or under a failed one?" and "did anything at or under this pointer fail?". A list scanned
// for each question made a file with 300,000 bad steps quadratic; here both cost the pointer's depth.
export class PointerSet {
  /** The failed pointers themselves. */
  private readonly exact = new Set<string>();
  /** Every failed pointer and each of its ancestors. */
  private readonly withAncestors = new Set<string>();

  constructor(pointers: Iterable<string> = []) {
    for (const p of pointers) this.push(p);
  }

  push(pointer: string): void {
    if (this.exact.has(pointer)) return;
    this.exact.add(pointer);
    for (let p = pointer; !this.withAncestors.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
      this.withAncestors.add(p);
      if (p === '') break;
    }
  }

  /** `pointer` itself failed. */
  has(pointer: string): boolean {
    return this.exact.has(pointer);
  }

  /** `pointer` or one of its ancestors failed: its value is not trusted. */
  coversOrAbove(pointer: string): boolean {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
      if (this.exact.has(p)) return true;
      if (p === '') return false;
    }
  }

  /** `pointer` or something inside it failed. */
  atOrBelow(pointer: string): boolean {
    return this.withAncestors.has(pointer);
  }
}
