// The MMU's small vocabulary and its input checks: addresses, flag words, outcome names, machine
// parameters and cost models (schemas/machine.schema.json, schemas/cost-model.schema.json).
import { describe, expect, it } from 'vitest';
import {
  KERNEL_HALF,
  MachineConfigError,
  OUTCOME_NAMES,
  Pte,
  createMachine,
  defaultCostModel,
  describeFlags,
  formatSchemaErrors,
  formatVa,
  outcomeName,
  parseMemory,
  parseVa,
  pteFlags,
  validateCostModel,
  validateMachineParams,
} from '../src/index.js';
import { checkSchema, inlineSiblingRefs, assertSupportedSchema } from '../src/schema-check.js';

describe('addresses (48-bit VAs, canonical form: bits 63..48 copy bit 47, Intel SDM Vol. 1 §3.3.7.1)', () => {
  it('prints a kernel-half VA sign-extended and a user VA zero-extended, 16 hex digits', () => {
    expect(formatVa(0x40000000)).toBe('0x0000000040000000');
    expect(formatVa(KERNEL_HALF - 1)).toBe('0x00007fffffffffff');
    expect(formatVa(KERNEL_HALF)).toBe('0xffff800000000000');
    expect(formatVa(0xffffc90000000000 - 0xffff000000000000)).toBe('0xffffc90000000000');
  });

  it('parses the sign-extended form back to the 48-bit number, from a bigint, a hex string or a number', () => {
    expect(parseVa(0xffff800000001000n)).toBe(KERNEL_HALF + 0x1000);
    expect(parseVa('0xffffc90000000000')).toBe(0xc90000000000);
    expect(parseVa('0x0000000040000000')).toBe(0x40000000);
    expect(parseVa(0x1234)).toBe(0x1234);
    for (const va of [0, 0x40000000, KERNEL_HALF - 4096, KERNEL_HALF, 2 ** 48 - 4096]) {
      expect(parseVa(formatVa(va))).toBe(va);
    }
  });
});

describe('outcomes', () => {
  it('names every code and refuses an unknown one', () => {
    expect(OUTCOME_NAMES.map((_, i) => outcomeName(i))).toEqual([
      'ok',
      'ok-stale',
      'fault:not-present',
      'fault:read',
      'fault:write',
      'fault:exec',
      'fault:key',
      'fault:privilege',
    ]);
    expect(() => outcomeName(8)).toThrow(/unknown outcome code 8/);
    expect(() => outcomeName(-1)).toThrow(RangeError);
  });
});

describe('entry flag words', () => {
  it('sets each named bit and nothing else; a leaf is always present', () => {
    expect(pteFlags({})).toBe(Pte.PRESENT);
    const one = (b: Parameters<typeof pteFlags>[0]): number => pteFlags(b) & ~Pte.PRESENT;
    expect(one({ writable: true })).toBe(Pte.WRITABLE);
    expect(one({ user: true })).toBe(Pte.USER);
    expect(one({ xUser: true })).toBe(Pte.XUSER);
    expect(one({ xKernel: true })).toBe(Pte.XKERNEL);
    expect(one({ global: true })).toBe(Pte.GLOBAL);
    expect(one({ accessed: true })).toBe(Pte.ACCESSED);
    expect(one({ dirty: true })).toBe(Pte.DIRTY);
    expect(one({ writable: false, user: false, xUser: false, global: false })).toBe(0);
    expect(one({ key: 0 })).toBe(0);
    expect(one({ key: 15 })).toBe(Pte.KEY_MASK);
    expect(one({ key: 3 })).toBe(3 << Pte.KEY_SHIFT);
  });

  it('refuses a key outside x86 PKU’s 16 (0..15) or not an integer', () => {
    expect(() => pteFlags({ key: 16 })).toThrow(/key 16 outside 0..15/);
    expect(() => pteFlags({ key: -1 })).toThrow(RangeError);
    expect(() => pteFlags({ key: 1.5 })).toThrow(RangeError);
  });

  it('describes a flags word in a fixed order, tables and non-present entries in short', () => {
    expect(describeFlags(0)).toBe('-');
    expect(describeFlags(Pte.WRITABLE)).toBe('-');
    expect(describeFlags(Pte.PRESENT | Pte.TABLE | Pte.WRITABLE)).toBe('P T');
    expect(describeFlags(Pte.PRESENT)).toBe('P');
    expect(
      describeFlags(
        pteFlags({
          writable: true,
          user: true,
          xUser: true,
          xKernel: true,
          global: true,
          accessed: true,
          dirty: true,
          key: 3,
        }),
      ),
    ).toBe('P W U XU XK G A D k3');
    expect(describeFlags(pteFlags({ xKernel: true, key: 15 }))).toBe('P XK k15');
  });
});

describe('machine parameters: the checks beyond the schema', () => {
  const errorsOf = (input: unknown): string[] => {
    const r = validateMachineParams(input);
    return r.ok ? [] : r.errors.map((e) => `${e.pointer}: ${e.message}`);
  };

  it('reads memory sizes in B, KiB, MiB and GiB and refuses other spellings', () => {
    expect(parseMemory(4096)).toBe(4096);
    expect(parseMemory('4096B')).toBe(4096);
    expect(parseMemory('8KiB')).toBe(8192);
    expect(parseMemory('64MiB')).toBe(64 * 2 ** 20);
    expect(parseMemory('2GiB')).toBe(2 * 2 ** 30);
    expect(() => parseMemory('64MB')).toThrow(/memory '64MB' is not like '64MiB'/);
    expect(() => parseMemory(' 64MiB')).toThrow();
    expect(() => parseMemory('64MiB ')).toThrow();
  });

  it('memory: at least one 4 KiB frame, at most 2^26 frames, rounded down to frames', () => {
    expect(errorsOf({ memory: '4095B' })).toEqual(['/memory: must be at least one 4 KiB frame']);
    expect(errorsOf({ memory: '4096B' })).toEqual([]);
    expect(errorsOf({ memory: '256GiB' })).toEqual([]);
    expect(errorsOf({ memory: '257GiB' })).toEqual(['/memory: must be at most 256GiB (2^26 frames)']);
    const r = validateMachineParams({ memory: 3 * 4096 + 4095 });
    expect(r.ok && [r.value.memory, r.value.frames]).toEqual([3 * 4096 + 4095, 3]);
  });

  it('tlbEntries must be a multiple of tlbAssociativity', () => {
    expect(errorsOf({ tlbEntries: 64, tlbAssociativity: 8 })).toEqual([]);
    expect(errorsOf({ tlbEntries: 60, tlbAssociativity: 8 })).toEqual([
      '/tlbEntries: must be a multiple of tlbAssociativity (8)',
    ]);
  });

  it('keyWidth: at most the architecture’s (x86 PKU 4 bits, arm64 POE 3 bits); 0 means the architecture’s own', () => {
    expect(errorsOf({ arch: 'x86_64', keyWidth: 4 })).toEqual([]);
    expect(errorsOf({ arch: 'arm64', keyWidth: 3 })).toEqual([]);
    expect(errorsOf({ arch: 'arm64', keyWidth: 4 })).toEqual(['/keyWidth: must be <= 3 on arm64']);
    const narrowed = validateMachineParams({ arch: 'x86_64', keyWidth: 2 });
    expect(narrowed.ok && narrowed.value.keyWidth).toBe(2);
    const own = validateMachineParams({ arch: 'x86_64', keyWidth: 0 });
    expect(own.ok && own.value.keyWidth).toBe(4);
  });

  it('reports every cross-field error at once', () => {
    expect(
      errorsOf({ memory: '1B', tlbEntries: 7, tlbAssociativity: 2, arch: 'arm64', keyWidth: 4 }),
    ).toEqual([
      '/memory: must be at least one 4 KiB frame',
      '/tlbEntries: must be a multiple of tlbAssociativity (2)',
      '/keyWidth: must be <= 3 on arm64',
    ]);
  });

  it('keeps every given value and treats a missing input as no input', () => {
    const given = {
      arch: 'arm64',
      cpus: 3,
      memory: '32MiB',
      tlb: 'precise',
      tlbEntries: 64,
      tlbAssociativity: 4,
      walkCacheEntries: 5,
      directMap: { leaf: '4K' },
      asidBits: 8,
      keyWidth: 2,
      flushCeiling: 7,
      invlpgbCountMax: 16,
      tlbSides: 'split',
      features: { pcid: false, pti: true, invlpgb: true, 'bbml2-noabort': true },
      onConflict: 'either',
      seed: 99,
    } as const;
    const r = validateMachineParams(given);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({ ...given, memory: 32 * 2 ** 20, frames: 8192 });
    const none = validateMachineParams(undefined);
    expect(none.ok && none.value.frames).toBe(16384);
  });

  it('formats errors one per line, the root as (root)', () => {
    expect(
      formatSchemaErrors('invalid machine parameters', [
        { pointer: '', message: 'must be object, got array' },
        { pointer: '/cpus', message: 'must be >= 1' },
      ]),
    ).toBe('invalid machine parameters:\n  (root): must be object, got array\n  /cpus: must be >= 1');
    expect(errorsOf([])).toEqual([': must be object, got array']);
  });
});

describe('the MMU’s schema checker (the subset the machine and cost-model schemas use)', () => {
  it('checks type, integer against number, enum, bounds and patterns, with JSON pointers', () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      properties: {
        n: { type: 'integer', minimum: 1, maximum: 3 },
        x: { type: 'number' },
        s: { type: 'string', pattern: '^a+$' },
        e: { enum: ['p', 'q'] },
        u: { type: ['integer', 'string'] },
        'a/b~c': { type: 'boolean' },
      },
    };
    expect(checkSchema(schema, { n: 2, x: 2, s: 'aa', e: 'q', u: 'z', 'a/b~c': true }).errors).toEqual([]);
    expect(checkSchema(schema, { n: 1, x: 0.5 }).errors).toEqual([]);
    expect(checkSchema(schema, { n: 3 }).errors).toEqual([]);
    expect(checkSchema(schema, { n: 0, x: 'no', s: 'ab', e: 'r', u: null, 'a/b~c': 1, z: 1 }).errors).toEqual(
      [
        { pointer: '/n', message: 'must be >= 1' },
        { pointer: '/x', message: 'must be number, got string' },
        { pointer: '/s', message: 'must match pattern ^a+$' },
        { pointer: '/e', message: 'must be one of "p", "q"' },
        { pointer: '/u', message: 'must be integer or string, got null' },
        { pointer: '/a~1b~0c', message: 'must be boolean, got integer' },
        { pointer: '/z', message: "unknown property 'z' (expected one of: n, x, s, e, u, a/b~c)" },
      ],
    );
    expect(checkSchema(schema, { n: 4 }).errors).toEqual([{ pointer: '/n', message: 'must be <= 3' }]);
    expect(checkSchema(schema, { n: 1.5 }).errors).toEqual([
      { pointer: '/n', message: 'must be integer, got number' },
    ]);
    expect(checkSchema(schema, [1]).errors).toEqual([{ pointer: '', message: 'must be object, got array' }]);
  });

  it('fills defaults recursively into a copy, and checks additional properties against their schema', () => {
    const inner = { type: 'object', default: {}, properties: { k: { type: 'integer', default: 7 } } };
    const schema = {
      type: 'object',
      additionalProperties: { type: 'number', minimum: 0 },
      properties: { o: inner, d: { type: 'string', default: 'x' } },
    };
    const input = { extra: 2 };
    const r = checkSchema(schema, input);
    expect(r).toEqual({ value: { extra: 2, o: { k: 7 }, d: 'x' }, errors: [] });
    expect(input).toEqual({ extra: 2 });
    expect(checkSchema(schema, { d: 'y', o: { k: 1 } }).value).toEqual({ d: 'y', o: { k: 1 } });
    expect(checkSchema(schema, { extra: -1 }).errors).toEqual([
      { pointer: '/extra', message: 'must be >= 0' },
    ]);
    // Without additionalProperties, unknown keys pass through unchecked.
    expect(checkSchema({ properties: {} }, { any: [1] }).value).toEqual({ any: [1] });
    // A default is itself checked (the schema's defaults must satisfy it).
    expect(checkSchema({ properties: { b: { type: 'integer', default: 'no' } } }, {}).errors).toEqual([
      { pointer: '/b', message: 'must be integer, got string' },
    ]);
  });

  it('inlines whole sibling files only, keeping the referring node’s own description', () => {
    const files: Record<string, object> = {
      'leaf.json': { $schema: 's', $id: 'i', type: 'integer', description: 'theirs' },
    };
    const load = (f: string): object => files[f];
    const out = inlineSiblingRefs(
      {
        type: 'object',
        properties: { a: { $ref: 'leaf.json', description: 'ours' } },
        additionalProperties: { $ref: 'leaf.json' },
      },
      load,
    );
    expect(out).toEqual({
      type: 'object',
      properties: { a: { type: 'integer', description: 'ours' } },
      additionalProperties: { type: 'integer', description: 'theirs' },
    });
    expect(() => inlineSiblingRefs({ $ref: 'leaf.json#/x' }, load)).toThrow(/is not a sibling file/);
    expect(() => inlineSiblingRefs({ $ref: 'dir/leaf.json' }, load)).toThrow(/is not a sibling file/);
  });

  it('refuses a schema keyword it does not implement, wherever it is', () => {
    expect(() => assertSupportedSchema({ type: 'object' })).not.toThrow();
    expect(() => assertSupportedSchema({ oneOf: [] } as never)).toThrow(
      "schema keyword 'oneOf' at # is not supported by the MMU's checker",
    );
    expect(() => assertSupportedSchema({ properties: { a: { const: 1 } } } as never)).toThrow(
      /'const' at #\/properties\/a/,
    );
    expect(() => assertSupportedSchema({ additionalProperties: { allOf: [] } } as never)).toThrow(
      /'allOf' at #\/additionalProperties/,
    );
  });
});

describe('cost models (schemas/cost-model.schema.json)', () => {
  it('a policy counter may be given a weight; negative weights and non-numbers are refused', () => {
    const r = validateCostModel({ 'linux.vmap_purge': 2, invlpg: 3 });
    expect(r.ok && [r.value['linux.vmap_purge'], r.value.invlpg, r.value.full]).toEqual([2, 3, 33]);
    expect(r.ok && Object.isFrozen(r.value)).toBe(true);
    const bad = validateCostModel({ full: -1, 'linux.x': 'cheap' });
    expect(bad.ok ? [] : bad.errors.map((e) => e.pointer)).toEqual(['/full', '/linux.x']);
    expect(validateCostModel(undefined).ok).toBe(true);
    expect(defaultCostModel.invlpg).toBe(1);
  });

  it('createMachine: a machine block’s own costs apply, the argument overrides them', () => {
    const m = createMachine({ costs: { invlpg: 4, ipi: 20 } }, { ipi: 30 });
    m.count('invlpg');
    expect(m.cycles).toBe(4);
    m.count('ipi');
    expect(m.cycles).toBe(4 + 30);
    let caught: unknown;
    try {
      createMachine({}, { full: -2 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MachineConfigError);
    const err = caught as MachineConfigError;
    expect(err.name).toBe('MachineConfigError');
    expect(err.message).toBe('invalid cost model:\n  /full: must be >= 0');
    expect(err.errors).toEqual([{ pointer: '/full', message: 'must be >= 0' }]);
  });
});
