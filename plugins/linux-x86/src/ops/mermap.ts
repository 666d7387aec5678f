// linux.mermap-get / linux.mermap-put (DESIGN §4 "Policy-contributed ops"): the RFC's ephemeral mapping
// (mm/mermap.c). `get` maps the caller's frames, or unmapped ones it allocates (alloc_pages(__GFP_UNMAPPED)),
// as one allocation in this CPU's window of the current mm's mm-local region; `put` overwrites the PTEs
// with the "unmapped" sentinel and flushes nothing (spec linux.md §4.4). Freeing the page afterwards is
// the scenario's `page-free`.
import type { OpContribution, OpContributionReport } from '@shootdown/core';
import { GFP_UNMAPPED } from '@shootdown/linux-mm';
import { MERMAP_WINDOW_PAGES } from '../arch/x86-arch.js';
import { X86_RUN } from '../run-state.js';

const POLICIES = ['linux-x86'];

export const mermapGet: OpContribution = {
  name: 'linux.mermap-get',
  policies: POLICIES,
  description:
    "mermap_get(page, size, prot) on the step's CPU: map `pages` physically consecutive frames as one " +
    "allocation in that CPU's window of the current mm's mm-local region (non-global). The frames are the " +
    "caller's (`frame:` a region, from page `page`) or, without `frame`, freshly allocated __GFP_UNMAPPED " +
    "frames. `reserved: true` is mermap_get_reserved(): one page, which may use the window's last page. A " +
    'window is MERMAP_CPU_REGION_SIZE (512 pages) with at most 4 live allocations per CPU; a get that does ' +
    'not fit fails with error:ENOMEM.',
  schema: {
    type: 'object',
    required: ['id'],
    properties: {
      id: { type: 'string', description: 'Region id of the mapping.' },
      pages: {
        type: 'integer',
        minimum: 1,
        maximum: MERMAP_WINDOW_PAGES,
        default: 1,
        description: 'Pages to map (size / PAGE_SIZE), physically consecutive, one allocation.',
      },
      frame: {
        type: 'string',
        description: "A region whose frame the caller passes (mermap_get's `page`), instead of allocating.",
      },
      page: { type: 'integer', minimum: 0, default: 0, description: 'Page of `frame` to start from.' },
      reserved: {
        type: 'boolean',
        default: false,
        description: 'mermap_get_reserved(): one page, preemption off, may use the reserved last page.',
      },
    },
    examples: [
      { op: 'linux.mermap-get', cpu: 1, id: 'win', pages: 1 },
      { op: 'linux.mermap-get', cpu: 1, id: 'big', pages: 16 },
      { op: 'linux.mermap-get', cpu: 1, id: 'theirs', frame: 'buf', page: 0, reserved: true },
    ],
  },
  run(call): OpContributionReport {
    const run = call.container.resolve(X86_RUN);
    const pages = typeof call.args.pages === 'number' ? call.args.pages : 1;
    const reserved = call.args.reserved === true;
    if (reserved && pages !== 1) return { outcome: 'error:EINVAL' }; // WARN_ON_ONCE(size != PAGE_SIZE)
    const lm = run.lm;
    const mm = lm.current[call.cpu]?.mm ?? lm.initMm;
    let first: number;
    let owned = pages;
    if (typeof call.args.frame === 'string') {
      const page = typeof call.args.page === 'number' ? call.args.page : 0;
      first = call.frameOf?.(call.args.frame, page) ?? -1;
      if (first < 0) return { outcome: 'error:EINVAL' };
    } else {
      // alloc_pages(__GFP_UNMAPPED, order) for the smallest block that holds them; the region owns the
      // whole block (a `page-free` of it frees every frame), the mermap maps the first `pages`.
      let order = 0;
      while (1 << order < pages) order++;
      first = lm.allocator.allocPages(call.cpu, order, GFP_UNMAPPED);
      if (first < 0) return { outcome: 'error:ENOMEM' };
      owned = 1 << order;
    }
    const addr = lm.mermap.get(call.cpu, mm, first, pages, reserved);
    if (addr < 0) return { outcome: 'error:ENOMEM' };
    if (call.id !== null) run.mermaps.set(call.id, { cpu: call.cpu, mm, addr, pages });
    const pid = lm.current[call.cpu]?.pid;
    const frames = Array.from({ length: owned }, (_, i) => first + i);
    return {
      outcome: 'ok',
      frame: first,
      region: { start: addr, pages, space: pid ?? 'kernel', frames },
    };
  },
};

export const mermapPut: OpContribution = {
  name: 'linux.mermap-put',
  policies: POLICIES,
  description:
    'mermap_put(): replace the window PTEs of a `linux.mermap-get` region by the unmapped sentinel, no flush.',
  schema: {
    type: 'object',
    required: ['region'],
    properties: { region: { type: 'string', description: 'The id given to linux.mermap-get.' } },
    examples: [{ op: 'linux.mermap-put', cpu: 1, region: 'win' }],
  },
  run(call): OpContributionReport {
    const run = call.container.resolve(X86_RUN);
    const id = typeof call.args.region === 'string' ? call.args.region : '';
    const m = run.mermaps.get(id);
    if (m === undefined) return { outcome: 'error:EINVAL' };
    run.lm.mermap.put(m.cpu, m.mm, m.addr);
    run.mermaps.delete(id);
    return { outcome: 'ok' };
  },
};
