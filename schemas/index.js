// Where the schema files live, so packages load them without knowing the workspace layout.
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const schemaDir = fileURLToPath(new URL('.', import.meta.url));

/** Every schema of this folder, parsed, keyed by file name (package.json excluded). */
export function loadSchemas() {
  const out = {};
  for (const f of readdirSync(schemaDir).sort()) {
    if (f.endsWith('.schema.json')) out[f] = JSON.parse(readFileSync(join(schemaDir, f), 'utf8'));
  }
  return out;
}
