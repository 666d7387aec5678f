// Plug-in discovery has one path for everyone (DESIGN §3): ask oclif for its plug-ins — those listed in
// `oclif.plugins`, linked with `plugins link`, or installed with `plugins install` — and keep the ones
// whose package.json carries a `shootdown` manifest. The built-in policies are found exactly this way.
import type { Config } from './oclif.js';

export interface ShootdownPluginRef {
  /** npm package name, used to name the plug-in in warnings. */
  readonly name: string;
  /** Package folder; the engine reads the manifest from its package.json and imports its entry. */
  readonly root: string;
  /** How oclif found it: `core` (listed in oclif.plugins), `link` or `user` (installed). */
  readonly type: string;
}

/** Every oclif plug-in with a `shootdown` manifest, sorted by package name so registration order is stable. */
export function shootdownPlugins(config: Pick<Config, 'getPluginsList'>): ShootdownPluginRef[] {
  const seen = new Set<string>();
  const out: ShootdownPluginRef[] = [];
  for (const p of config.getPluginsList()) {
    const pjson = p.pjson as unknown as Record<string, unknown>;
    if (typeof pjson['shootdown'] !== 'object' || pjson['shootdown'] === null) continue;
    // A linked or installed copy of a built-in shadows nothing twice: oclif already keeps one per name.
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    out.push({ name: p.name, root: p.root, type: p.type });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
