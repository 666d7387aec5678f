// What a Casemate trace's `!` line claims, in our invariants' terms. The messages are the checker's
// GHOST_MODEL_CATCH_FIRE strings (rems-project/casemate src/lib/src/model.c); each maps to the invariant
// judging the same rule, or to none when the rule is Casemate's own protocol (locks, ownership,
// initialised memory) rather than something about tables, TLBs and walks.

export type ExpectedVerdict =
  /** The trace expects no violation (no `!` line). */
  | { readonly kind: 'clean' }
  /** A violation our invariant `invariant` judges. */
  | { readonly kind: 'invariant'; readonly message: string; readonly invariant: string }
  /** A rule of Casemate's protocol with no hardware counterpart in the model: agreement is not judged. */
  | { readonly kind: 'protocol'; readonly message: string; readonly why: string };

const INVARIANT: ReadonlyArray<readonly [RegExp, string]> = [
  // step_write_on_valid / step_write_on_invalid_unclean / step_write_on_invalid (a table over unclean children)
  [/^BBM /u, 'break-before-make'],
  // mark_cb
  [/^double-use pte$/u, 'double-use'],
  // activate_ttbr: a root loaded under a second ID before it was released — the root table linked at a
  // second place (the root of a second space) without a free between, which is double-use's rule
  [/^root already associated with an \(VM\/AS\)ID$/u, 'double-use'],
  // activate_ttbr
  [/^duplicate \(VM\/AS\)ID$/u, 'duplicate-id'],
  // the release_table hint (check_release_cb) and try_unregister_root: a table given back while a walk
  // may still reach it
  [/^cannot release table (where children are still unclean|still in use)$/u, 'freed-pagetable-walk'],
];

const PROTOCOL: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /lock|authori[sz]ation|owned by a thread|thread owner/iu,
    'the lock and ownership discipline is not modelled',
  ],
  [
    /unclean parent/u,
    'Casemate freezes a table below an unclean entry; the model judges walks, not writes, there',
  ],
  [
    /uninitialised|already-initialised|initialise used location|currently a PTE/u,
    'Casemate tracks which memory is initialised; the model does not',
  ],
];

export function expectedVerdict(bang: string | null): ExpectedVerdict {
  if (bang === null) return { kind: 'clean' };
  for (const [re, invariant] of INVARIANT)
    if (re.test(bang)) return { kind: 'invariant', message: bang, invariant };
  for (const [re, why] of PROTOCOL) if (re.test(bang)) return { kind: 'protocol', message: bang, why };
  return { kind: 'protocol', message: bang, why: 'a Casemate message with no counterpart in the model' };
}

/**
 * The invariants that judge what Casemate checks (break-before-make, table lifecycles, IDs): a clean
 * trace agrees when none of them broke. Others (wx-alias, stale-exec-alias, …) judge what Casemate does
 * not look at; they are reported beside the agreement, not counted in it.
 */
export const CASEMATE_SCOPE: readonly string[] = [
  'break-before-make',
  'double-use',
  'duplicate-id',
  'freed-pagetable-walk',
  'pagetable-reuse',
];

/** Do our violated invariants agree with the trace's expectation? null: not judged (a protocol rule). */
export function agrees(expected: ExpectedVerdict, violated: readonly string[]): boolean | null {
  if (expected.kind === 'clean') return !violated.some((v) => CASEMATE_SCOPE.includes(v));
  if (expected.kind === 'invariant') return violated.includes(expected.invariant);
  return null;
}
