// reflect-metadata must load before tsyringe (TOOLCHAIN "tsyringe").
import 'reflect-metadata';

export * from './contracts/addresses.js';
export * from './contracts/outcome.js';
export * from './contracts/vm-map.js';
export * from './contracts/pmap.js';
export * from './contracts/mmu-gather.js';
export * from './contracts/page-allocator.js';
export * from './contracts/kernel-memory.js';
export * from './contracts/kernel.js';
export * from './contracts/frame-book.js';
export * from './contracts/phases.js';
export * from './contracts/counters.js';
export * from './tokens.js';
export * from './policy/invariant-ids.js';
export * from './policy/definition.js';
export * from './policy/contributions.js';
export * from './policy/registry.js';
export * from './selection/selection.js';
export * from './selection/suggest.js';
export * from './plugins/register-context.js';
export * from './plugins/manifest.js';
export * from './plugins/loader.js';
export * from './invariants/machine-view.js';
export * from './invariants/invariant.js';
export * from './invariants/catalogue.js';
export * from './invariants/frame-table.js';
export * from './invariants/monitor.js';
