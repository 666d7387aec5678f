// linux.mermap-get / linux.mermap-put (DESIGN §4 "Policy-contributed ops"): the RFC's ephemeral mapping
// (mm/mermap.c). `get` takes an unmapped page (alloc_pages(__GFP_UNMAPPED)) and maps it in this CPU's
// window of the current mm's mm-local region; `put` overwrites the PTEs with the "unmapped" sentinel and
// flushes nothing (spec linux.md §4.4). Freeing the page afterwards is the scenario's `page-free`.
import type { OpContribution, OpContributionReport } from '@shootdown/core';
import { GFP_UNMAPPED } from '@shootdown/linux-mm';
import { X86_RUN } from '../run-state.js';

const POLICIES = ['linux-x86'];

export const mermapGet: OpContribution = {
  name: 'linux.mermap-get',
  policies: POLICIES,
  description:
    "mermap_get(): allocate `pages` unmapped frames and map them in the current CPU's mermap window " +
    '(non-global, mm-local); defines a region reachable from this CPU only.',
  schema: {
    type: 'object',
    required: ['id'],
    properties: {
      id: { type: 'string', description: 'Region id of the mapping.' },
      pages: {
        type: 'integer',
        minimum: 1,
        maximum: 4,
        default: 1,
        description: 'Pages to map (one window slot each).',
      },
    },
    examples: [{ op: 'linux.mermap-get', cpu: 1, id: 'win', pages: 1 }],
  },
  run(call): OpContributionReport {
    const run = call.container.resolve(X86_RUN);
    const pages = typeof call.args.pages === 'number' ? call.args.pages : 1;
    const lm = run.lm;
    const mm = lm.current[call.cpu]?.mm ?? lm.initMm;
    const frames: number[] = [];
    for (let i = 0; i < pages; i++) {
      const pfn = lm.allocator.allocPages(call.cpu, 0, GFP_UNMAPPED);
      if (pfn < 0) return { outcome: 'error:ENOMEM' };
      frames.push(pfn);
    }
    // One mapping per frame keeps the window bookkeeping of the RFC (one slot per get).
    const addr = lm.mermap.get(call.cpu, mm, frames[0]!, 1);
    for (let i = 1; i < pages; i++) lm.mermap.get(call.cpu, mm, frames[i]!, 1);
    if (addr < 0) return { outcome: 'error:ENOMEM' };
    if (call.id !== null) run.mermaps.set(call.id, { cpu: call.cpu, mm, addr, pages });
    const pid = lm.current[call.cpu]?.pid;
    return {
      outcome: 'ok',
      frame: frames[0]!,
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
    for (let i = 0; i < m.pages; i++) run.lm.mermap.put(m.cpu, m.mm, m.addr + i * 4096);
    run.mermaps.delete(id);
    return { outcome: 'ok' };
  },
};
