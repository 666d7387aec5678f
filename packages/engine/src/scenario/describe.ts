// A short human label for a step (`access mod[2] exec`, `kfree mod`), for result rows and reports: what a
// reviewer needs to recognise the step without opening the scenario.
import type {
  AccessTarget,
  AddressRange,
  FrameSelector,
  KeyRef,
  RegionRange,
  RegionSpan,
  Step,
} from './types.js';

const hex = (n: number): string => `0x${n.toString(16)}`;

function range(r: RegionRange | RegionSpan): string {
  if (r.kind === 'regions') return r.regions.join('+');
  if (r.page === 0 && r.pages === null) return r.region;
  if (r.pages === null) return `${r.region}[${r.page}..]`;
  return r.pages === 1 ? `${r.region}[${r.page}]` : `${r.region}[${r.page}..${r.page + r.pages - 1}]`;
}

function frame(f: FrameSelector): string {
  if (f.kind === 'frame-of') return `frame-of(${f.region}[${f.page}])`;
  return `pagetable-of(${f.region}, ${f.level}${f.via === 'direct-map' ? ', via direct-map' : ''})`;
}

function target(t: AccessTarget | AddressRange): string {
  switch (t.kind) {
    case 'region':
      return range(t);
    case 'space':
      return `${t.space}@${hex(t.va)}`;
    case 'range':
      return `${hex(t.from)}..${hex(t.to)}`;
    default:
      return frame(t);
  }
}

function key(k: KeyRef): string {
  return k.kind === 'id' ? k.id : String(k.index);
}

const flags = (f: readonly string[]): string => (f.length === 0 ? '' : ` [${f.join(',')}]`);

export function describeStep(s: Step): string {
  switch (s.op) {
    case 'process':
    case 'fork':
      return `${s.op} ${s.id}`;
    case 'run':
      return `run ${s.process ?? 'none'}`;
    case 'mmap':
      return `mmap ${s.id} ${s.pages}p ${s.prot}${flags(s.flags)}`;
    case 'munmap':
    case 'msync-invalidate':
    case 'madvise-dontneed':
    case 'revoke':
      return `${s.op} ${range(s.range)}`;
    case 'mprotect':
      return `mprotect ${range(s.range)} ${s.prot}`;
    case 'key-alloc':
      return `key-alloc ${s.id}`;
    case 'key-free':
      return `key-free ${key(s.key)}`;
    case 'key-assign':
      return `key-assign ${key(s.key)} ${target(s.range)}${flags(s.flags)}`;
    case 'key-clear':
      return `key-clear ${target(s.range)}`;
    case 'set-key-rights':
      return `set-key-rights ${key(s.key)} ${s.rights}`;
    case 'swapout':
      return s.range === null ? 'swapout' : `swapout ${range(s.range)}`;
    case 'access':
      return `access ${target(s.target)}${s.via === 'direct-map' ? ' via direct-map' : ''} ${s.kind}${s.pages > 1 ? ` ×${s.pages}` : ''}`;
    case 'speculate':
      return `speculate ${target(s.target)}`;
    case 'uaccess':
      return `uaccess ${s.kind} ${range(s.range)}`;
    case 'kalloc':
      return `kalloc ${s.id} ${s.pages}p${flags(s.flags)}${s.immediate === undefined ? '' : s.immediate ? ' immediate' : ' not-immediate'}`;
    case 'kprotect':
      return `kprotect ${range(s.range)}${s.via === 'direct-map' ? ' via direct-map' : ''} ${s.prot}${s.flush ? '' : ' noflush'}`;
    case 'kfree':
    case 'page-free':
      return `${s.op} ${s.region}`;
    case 'page-alloc':
      return `page-alloc ${s.id} ${s.order === null ? `${s.pages ?? 0}p` : `order ${s.order}`}${flags(s.flags)}${s.reuse === null ? '' : ` reuse ${s.reuse}`}`;
    case 'stray-write':
      return `stray-write ${frame(s.target)}${s.context === null ? '' : ` in ${s.context}`}`;
    case 'pressure':
      return 'pressure';
    case 'flush-kernel-range':
      return `flush-kernel-range ${range(s.range)}${s.via === 'direct-map' ? ' via direct-map' : ''}`;
    case 'frame':
      return `frame ${s.id} = ${frame(s.of)}${s.offset === 0 ? '' : ` ${s.offset > 0 ? '+' : ''}${s.offset}`}`;
    case 'interleave':
      return `interleave at ${s.phase} of ${describeStep(s.operation)}`;
    case 'repeat':
      return `repeat ×${s.iterations.length}`;
    case 'check':
      if (s.query === null) return s.drain ? 'check drain' : 'check no-violations';
      return `check ${s.query}${s.target === undefined ? '' : ` ${target(s.target)}`}${s.process === undefined ? '' : ` ${s.process}`}`;
    case 'pte-store':
      return `pte-store ${s.space}@${hex(s.va)} ${s.entry.valid ? (s.entry.frame ?? s.entry.table ?? '') : 'invalid'}`;
    case 'tlbi':
      return `tlbi ${s.kind}${s.va === null ? '' : ` ${hex(s.va)}`}`;
    case 'invlpg':
      return `invlpg ${hex(s.va)}`;
    case 'barrier':
      return s.domain === null ? s.kind : `${s.kind} ${s.domain}`;
    case 'set-root':
      return `set-root ${s.space ?? s.root ?? ''}${s.root !== null && s.asid !== null ? ` asid ${s.asid}` : ''}`;
    case 'cr3-write':
    case 'cr3-write-noflush':
      return `${s.op} ${s.space}`;
    case 'raw-write':
      return `raw-write ${hex(s.pa)} ${s.value} (${s.kind}${s.target !== null ? ` → ${s.target}` : ''})`;
    default:
      return s.op;
  }
}
