// Equality and printing of litmus values, as herd compares and prints them: descriptors field by field with
// the output address (lib/AArch64PteVal.ml `eq_props`, `same_oa`), printed with the fields that differ from
// the defaults only (`pp_field`).
import type { Descriptor, Value } from './ast.js';

function sameDescriptor(a: Descriptor, b: Descriptor): boolean {
  return (
    a.oa === b.oa &&
    a.valid === b.valid &&
    a.af === b.af &&
    a.db === b.db &&
    a.dbm === b.dbm &&
    a.el0 === b.el0 &&
    a.x === b.x &&
    a.attrs.length === b.attrs.length &&
    a.attrs.every((x, i) => x === b.attrs[i])
  );
}

export function sameValue(a: Value, b: Value): boolean {
  switch (a.k) {
    case 'int':
      return b.k === 'int' && a.v === b.v;
    case 'va':
    case 'pte':
    case 'pa':
    case 'vpn':
      return b.k === a.k && b.loc === a.loc;
    case 'desc':
      return b.k === 'desc' && sameDescriptor(a.d, b.d);
    case 'label':
      return b.k === 'label' && b.thread === a.thread && b.label === a.label;
  }
}

export function intValue(v: Value): bigint | null {
  return v.k === 'int' ? v.v : null;
}

export function showDescriptor(d: Descriptor): string {
  const parts = [`oa:PA(${d.oa ?? '?'})`];
  if (d.valid !== 1) parts.push(`valid:${d.valid}`);
  if (d.af !== 1) parts.push(`af:${d.af}`);
  if (d.db !== 1) parts.push(`db:${d.db}`);
  if (d.dbm !== 0) parts.push(`dbm:${d.dbm}`);
  if (d.el0 !== 1) parts.push(`el0:${d.el0}`);
  if (d.x !== 1) parts.push(`x:${d.x}`);
  for (const a of d.attrs) parts.push(a);
  return `(${parts.join(', ')})`;
}

export function showValue(v: Value): string {
  switch (v.k) {
    case 'int':
      return v.v.toString();
    case 'va':
      return v.loc;
    case 'pte':
      return `PTE(${v.loc})`;
    case 'pa':
      return `PA(${v.loc})`;
    case 'vpn':
      return `${v.loc}>>12`;
    case 'desc':
      return showDescriptor(v.d);
    case 'label':
      return `label:"P${v.thread}:${v.label}"`;
  }
}
