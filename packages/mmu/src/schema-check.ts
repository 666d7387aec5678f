// A small JSON Schema (draft 2020-12) checker for the flat subset the machine and cost-model schemas use:
// type, enum, minimum, maximum, pattern, properties, additionalProperties, default, and `$ref` to a whole
// sibling schema file (inlined at load by `inlineSiblingRefs`). The MMU depends on no
// package (DESIGN §1), so it cannot load ajv; the schemas stay standard, and core/engine may validate the
// same files with ajv. Keywords outside this subset are rejected when the schema is loaded, so the two
// validators cannot silently disagree.

export interface SchemaError {
  /** JSON pointer into the input (RFC 6901). */
  pointer: string;
  message: string;
}

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
  description?: string;
  title?: string;
  $schema?: string;
  $id?: string;
  /** A whole sibling file (`cost-model.schema.json`); replaced by that schema when loaded. */
  $ref?: string;
};

const KNOWN = new Set([
  'type',
  'enum',
  'minimum',
  'maximum',
  'pattern',
  'properties',
  'additionalProperties',
  'default',
  'description',
  'title',
  '$schema',
  '$id',
]);

/**
 * Replace every `$ref` to a sibling schema file by that file's schema, so the checker below sees one flat
 * tree; the node's own annotations (its description) are kept. Only whole-file references are supported:
 * the machine schema's `costs` is the cost-model schema, nothing finer.
 */
export function inlineSiblingRefs(schema: JsonSchema, load: (file: string) => JsonSchema): JsonSchema {
  let node = schema;
  if (node.$ref !== undefined) {
    if (node.$ref.includes('#') || node.$ref.includes('/')) {
      throw new Error(`schema $ref '${node.$ref}' is not a sibling file; the MMU's checker cannot follow it`);
    }
    const { $ref, ...own } = node;
    const target = inlineSiblingRefs(load($ref), load);
    node = { ...target, ...own };
    delete node.$schema;
    delete node.$id;
  }
  const out: JsonSchema = { ...node };
  if (node.properties !== undefined) {
    out.properties = {};
    for (const [name, sub] of Object.entries(node.properties))
      out.properties[name] = inlineSiblingRefs(sub, load);
  }
  if (typeof node.additionalProperties === 'object') {
    out.additionalProperties = inlineSiblingRefs(node.additionalProperties, load);
  }
  return out;
}

/** Throws if the schema uses a keyword this checker does not implement. */
export function assertSupportedSchema(schema: JsonSchema, at = '#'): void {
  for (const k of Object.keys(schema)) {
    if (!KNOWN.has(k))
      throw new Error(`schema keyword '${k}' at ${at} is not supported by the MMU's checker`);
  }
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    assertSupportedSchema(sub, `${at}/properties/${name}`);
  }
  if (typeof schema.additionalProperties === 'object') {
    assertSupportedSchema(schema.additionalProperties, `${at}/additionalProperties`);
  }
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(actual: string, wanted: string): boolean {
  return actual === wanted || (wanted === 'number' && actual === 'integer');
}

/**
 * Check `value` against `schema`; returns the value with defaults filled in (a fresh copy) and the
 * errors found. Defaults of nested objects are applied recursively (ajv's `useDefaults` behaviour).
 */
export function checkSchema(
  schema: JsonSchema,
  value: unknown,
  pointer = '',
  errors: SchemaError[] = [],
): { value: unknown; errors: SchemaError[] } {
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(actual, t))) {
      errors.push({ pointer, message: `must be ${types.join(' or ')}, got ${actual}` });
      return { value, errors };
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    errors.push({
      pointer,
      message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    });
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) {
      errors.push({ pointer, message: `must be >= ${schema.minimum}` });
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      errors.push({ pointer, message: `must be <= ${schema.maximum}` });
    }
  }
  if (
    typeof value === 'string' &&
    schema.pattern !== undefined &&
    !new RegExp(schema.pattern, 'u').test(value)
  ) {
    errors.push({ pointer, message: `must match pattern ${schema.pattern}` });
  }
  if (actual !== 'object' || (schema.properties === undefined && schema.additionalProperties === undefined)) {
    return { value, errors };
  }
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const props = schema.properties ?? {};
  for (const key of Object.keys(input)) {
    const sub = props[key];
    const at = `${pointer}/${escapePointer(key)}`;
    if (sub !== undefined) {
      out[key] = checkSchema(sub, input[key], at, errors).value;
    } else if (schema.additionalProperties === false) {
      errors.push({
        pointer: at,
        message: `unknown property '${key}' (expected one of: ${Object.keys(props).join(', ')})`,
      });
    } else if (typeof schema.additionalProperties === 'object') {
      out[key] = checkSchema(schema.additionalProperties, input[key], at, errors).value;
    } else {
      out[key] = input[key];
    }
  }
  for (const [key, sub] of Object.entries(props)) {
    if (key in out || sub.default === undefined) continue;
    out[key] = checkSchema(
      sub,
      structuredClone(sub.default),
      `${pointer}/${escapePointer(key)}`,
      errors,
    ).value;
  }
  return { value: out, errors };
}
