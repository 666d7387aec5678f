import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { parseSetFlags, parseSetValue } from '../src/set-flags.js';

// DESIGN §4 "Parameters and repetition": params are typed JSON values (scalars or lists), `--set name=value`.
describe('--set parsing', () => {
  it('reads JSON scalars and lists as typed values', () => {
    expect(parseSetFlags(['pages=64', 'huge=true', 'cpus=[0,2]', 'ratio=0.5'])).toEqual({
      pages: 64,
      huge: true,
      cpus: [0, 2],
      ratio: 0.5,
    });
  });

  it('keeps anything that is not JSON as a string', () => {
    expect(parseSetValue('arch-vunmap-v2')).toBe('arch-vunmap-v2');
    expect(parseSetFlags(['name=a=b'])).toEqual({ name: 'a=b' });
  });

  it('rejects an item without "=" with exit 2', () => {
    const call = () => parseSetFlags(['pages']);
    expect(call).toThrow(InputError);
    expect(call).toThrow(/expected name=value/);
  });

  it('rejects a bad name and a name set twice', () => {
    expect(() => parseSetFlags(['=4'])).toThrow(/is not a parameter name/);
    expect(() => parseSetFlags(['1x=4'])).toThrow(/is not a parameter name/);
    expect(() => parseSetFlags(['pages=1', 'pages=2'])).toThrow(/set twice/);
  });

  it('refuses names JavaScript objects treat specially and keeps the rest in a prototype-free object', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      expect(() => parseSetFlags([`${name}=1`])).toThrow(
        `'${name}' is reserved and cannot be a parameter name`,
      );
    }
    const out = parseSetFlags(['pages=1']);
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(out['pages']).toBe(1);
  });

  it('returns an empty override set for no flags', () => {
    expect(parseSetFlags(undefined)).toEqual({});
  });
});
