// The methods each contract token must provide (core's contracts/*.ts). A policy registers a value under
// a token; the runner calls these by name, so a missing one would surface only as a note on some run.
import { Tokens } from '@shootdown/core';

export interface TokenShape {
  readonly name: string;
  readonly token: symbol;
  /** Function members of the registered value. */
  readonly methods: readonly string[];
}

/** The tokens `PolicyDefinition.configure` must register (core policy/definition.ts, core README). */
export const POLICY_TOKENS: readonly TokenShape[] = [
  {
    name: 'Kernel',
    token: Tokens.Kernel as symbol,
    methods: [
      'createProcess',
      'run',
      'current',
      'setKeyRights',
      'keyRights',
      'keyAlloc',
      'keyFree',
      'fork',
      'exec',
      'exit',
      'access',
      'uaccess',
      'strayWrite',
      'revoke',
      'allocatedKeys',
      'window',
      'processState',
      'directMapAddress',
      'framesOf',
    ],
  },
  { name: 'VmMap', token: Tokens.VmMap as symbol, methods: ['of'] },
  { name: 'Pmap', token: Tokens.Pmap as symbol, methods: ['of'] },
  { name: 'MmuGather', token: Tokens.MmuGather as symbol, methods: ['create'] },
  {
    name: 'PageAllocator',
    token: Tokens.PageAllocator as symbol,
    methods: ['alloc', 'free', 'pressure', 'pageblockFreetype'],
  },
  {
    name: 'KernelMemory',
    token: Tokens.KernelMemory as symbol,
    methods: ['allocate', 'protect', 'free', 'drain'],
  },
];

/** Members of `PmapTable.kernel` (a Pmap) and `PmapTable.directMap` the engine's checks call. */
export const KERNEL_PMAP_METHODS: readonly string[] = [
  'lookup',
  'enter',
  'remove',
  'protect',
  'removeSwapout',
  'mapDelete',
  'setKeyRange',
  'clearKeyRange',
  'keyFor',
  'activate',
];
export const DIRECT_MAP_METHODS: readonly string[] = [
  'setProtection',
  'invalidate',
  'restoreDefault',
  'addressOf',
];
