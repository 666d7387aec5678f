// A hand-built policy definition for registry and selection tests.
import { PolicyRegistry, type PolicyDefinition } from '../src/index.js';

export function toyPolicy(name = 'linux-x86'): PolicyDefinition {
  return {
    name,
    os: 'linux',
    arch: 'x86_64',
    description: 'test policy',
    claims: ['wx-alias', 'stale-exec-alias'],
    mechanisms: {
      vfree: {
        description: 'vfree of special-permission memory',
        default: 'reset-perms',
        variants: {
          'reset-perms': { description: 'merged VM_FLUSH_RESET_PERMS', source: '868b104d7379' },
          'arch-vunmap-v2': { description: '2018 arch_vunmap', source: 'RFC v2' },
          'module-free-pre52': {
            description: 'before the flag',
            source: 'pre-5.2',
            disclaims: ['wx-alias', 'stale-exec-alias'],
          },
        },
      },
      'unmapped-alloc': {
        description: '__GFP_UNMAPPED',
        default: 'zap-per-folio',
        variants: {
          'zap-per-folio': { description: 'per-folio zap', source: 'upstream' },
          'gfp-unmapped': {
            description: 'freetype pools',
            source: 'S002',
            claims: ['unmapped-stays-unmapped'],
          },
          'unmapped-skip-flush': { description: 'unsafe bound', source: 'S002' },
        },
      },
    },
    configure() {},
  };
}

/** A registry holding only the toy policy. */
export function toyRegistry(): PolicyRegistry {
  const r = new PolicyRegistry();
  r.addPolicy(toyPolicy());
  return r;
}
