// Drawing one step's cost breakdown (`run --breakdown <step>`): by event kind (weight, count, count on the
// latency path, latency and work contributions) and by CPU (initiator, targets, others; consecutive CPUs
// that did exactly the same collapse into one row) — as an aligned table (table, text) or Markdown. The
// JSON form is the run result itself, whose `breakdown` field carries the same figures.
import type { BreakdownCpu, RunResult, StepBreakdown } from '../result/types.js';

/** Formats a breakdown can be drawn in (json: the result with its `breakdown` field). */
export const BREAKDOWN_FORMATS = ['table', 'text', 'markdown', 'json'] as const;

/** What each priced event of the shared vocabulary is (cost-model.schema.json gives weights and sources). */
const WHAT: Readonly<Record<string, string>> = {
  kflush: 'shootdown setup',
  ipi: 'IPI handler on a target',
  ipi_send: 'IPI send, per target',
  ipi_wire: 'acknowledgement wait',
  invlpg: 'INVLPG, one page',
  full: 'full flush + refill',
  lflush: 'local full flush',
  split: 'large-page split',
  ptalloc: 'page-table page alloc',
  ptfree: 'page-table page free',
  spurious: 'spurious fault',
  wrpkru: 'WRPKRU / POR write',
  tlbi_leaf: 'TLBI last level',
  tlbi_all_levels: 'TLBI all levels',
  tlbi_asid: 'TLBI by ASID',
  tlbi_vmall: 'TLBI VMALL',
  dsb: 'DSB after TLBI',
  invlpgb: 'INVLPGB broadcast',
  tlbsync: 'TLBSYNC',
  walk: 'page walk',
  fill: 'TLB fill',
  zero_page: 'page zeroing',
  copy_page: 'page copy',
  page_alloc: 'page allocation',
  syscall: 'syscall entry/exit',
  fault: 'fault entry/exit',
};

/** Figures are sums of decimal weights: three decimals at most, trailing zeros dropped. */
function num(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

interface Table {
  readonly head: readonly string[];
  /** Per column: a number (right-aligned)? */
  readonly numeric: readonly boolean[];
  readonly rows: readonly (readonly string[])[];
}

function eventTable(b: StepBreakdown): Table {
  const priced = b.events.filter((e) => e.weight !== 0);
  const rows = priced.map((e) => [
    e.event,
    WHAT[e.event] ?? '',
    num(e.weight),
    num(e.count),
    num(e.onPath),
    num(e.latency),
    num(e.work),
  ]);
  const sum = (k: 'latency' | 'work'): number => priced.reduce((s, e) => s + e[k], 0);
  rows.push(['total', '', '', '', '', num(sum('latency')), num(sum('work'))]);
  return {
    head: ['event', 'what', 'weight', 'count', 'on path', 'latency', 'work'],
    numeric: [false, false, true, true, true, true, true],
    rows,
  };
}

const sameWork = (a: BreakdownCpu, b: BreakdownCpu): boolean =>
  a.role === b.role &&
  a.work === b.work &&
  JSON.stringify(a.events) === JSON.stringify(b.events) &&
  b.cpu === a.cpu + 1;

function eventsText(e: Readonly<Record<string, number>>): string {
  return Object.entries(e)
    .map(([n, c]) => `${n} ${num(c)}`)
    .join(', ');
}

/** One row per CPU, or per run of consecutive CPUs that did the same (work then given per CPU). */
function cpuTable(b: StepBreakdown): Table {
  const rows: string[][] = [];
  for (let i = 0; i < b.cpus.length;) {
    let j = i;
    while (j + 1 < b.cpus.length && sameWork(b.cpus[j]!, b.cpus[j + 1]!)) j++;
    const c = b.cpus[i]!;
    const n = j - i + 1;
    rows.push([
      n === 1 ? String(c.cpu) : `${c.cpu}-${b.cpus[j]!.cpu}`,
      c.role,
      n === 1 ? num(c.work) : `${n} × ${num(c.work)}`,
      eventsText(c.events),
    ]);
    i = j + 1;
  }
  rows.push(['total', '', num(b.cpus.reduce((s, c) => s + c.work, 0)), '']);
  return {
    head: ['cpu', 'role', 'work', 'events charged there'],
    numeric: [false, false, true, false],
    rows,
  };
}

function title(r: RunResult, b: StepBreakdown): string[] {
  return [
    `cost of step ${b.step} (${b.label}, cpu ${b.cpu}) in ${r.scenario} under ${r.selection}`,
    `latency ${num(b.latency)}, work ${num(b.work)} (${b.unit} units, 1 ≈ 100 ns); latency = on path × weight, work = count × weight`,
  ];
}

function unpriced(b: StepBreakdown): string | undefined {
  const free = b.events.filter((e) => e.weight === 0);
  return free.length === 0
    ? undefined
    : `unpriced events (weight 0): ${free.map((e) => `${e.event} ${num(e.count)}`).join(', ')}`;
}

function aligned(t: Table, sep: string): string[] {
  const all = [t.head, ...t.rows];
  const widths = t.head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) =>
    r
      .map((cell, i) => (t.numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join(sep)
      .trimEnd(),
  );
}

function markdownTable(t: Table): string[] {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [
    `| ${t.head.join(' | ')} |`,
    `|${t.numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
}

/** The breakdown of `r` drawn in `format`; undefined for a format with no breakdown drawing. */
export function renderBreakdown(r: RunResult, b: StepBreakdown, format: string): string | undefined {
  const free = unpriced(b);
  switch (format) {
    case 'table':
    case 'text': {
      const sep = format === 'table' ? ' │ ' : '  ';
      const out = [...title(r, b), '', 'by event:', ...aligned(eventTable(b), sep)];
      if (free !== undefined) out.push(free);
      out.push('', 'by CPU:', ...aligned(cpuTable(b), sep));
      const text = out.join('\n') + '\n';
      // plain text is for mail: ASCII only
      return format === 'text' ? text.replace(/×/g, 'x').replace(/≈/g, '~') : text;
    }
    case 'markdown': {
      const [t1, t2] = title(r, b);
      const out = [`### ${t1}`, '', `${t2}`, '', ...markdownTable(eventTable(b))];
      if (free !== undefined) out.push('', free);
      out.push('', ...markdownTable(cpuTable(b)));
      return out.join('\n') + '\n';
    }
    default:
      return undefined;
  }
}
