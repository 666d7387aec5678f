// The CLI's own plug-ins ship their ops' schemas compiled (scripts/precompile-fragments.js, core's
// schema/fragments.ts): a scenario using `linux.mermap-get` or `freebsd.sysarch` loads without ajv.
import { precompiledFragment } from '@shootdown/core';
import { describe, expect, it } from 'vitest';
import { loadRegistryLikeCli } from '../src/load-plugins.js';

describe("the built-in plug-ins' op fragments", () => {
  it('every op they contribute has a validator their build compiled', async () => {
    const { registry } = await loadRegistryLikeCli({ userPlugins: false });
    const ops = registry.ops();
    expect(ops.length).toBeGreaterThan(0);
    for (const op of ops) expect(precompiledFragment(op.schema), op.name).toBeTypeOf('function');
  });
});
