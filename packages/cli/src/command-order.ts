// The order oclif lists a plug-in's commands in (@oclif/core lib/config/plugin.js sorts them by
// `a.id.localeCompare(b.id)`), without ICU where that gives the same order. The first localeCompare in a
// process builds ICU's collator, ~6 ms of CPU, for a call that sorts a dozen ids (DESIGN §8, the CLI
// budget); the build's copy of oclif calls this instead (scripts/oclif-command-order.js).
//
// localeCompare with no locale collates as ICU's default locale, which node takes from the environment:
// the first of LC_ALL, LC_MESSAGES and LANG that is set (set but empty: the root locale; none: en-US-POSIX).
// Under the root collation, English's (which tailors nothing) and en-US-POSIX's (code-point order for
// ASCII), ids of lowercase letters, ':' (the topic separator) and '-' order by one primary weight per
// character, '-' < ':' < a < … < z (Unicode Collation Algorithm, DUCET: no contractions among them, no
// other level differs), which is their code-unit order too. Another locale may tailor letters (Lithuanian
// puts y before j, Danish aa after z), and other ids (capitals; digits, which ICU sorts after ':' and code
// units before it) differ anyway: those are compared by localeCompare itself. Self-contained: the build
// copies its text into oclif.
export function commandOrder(x: string, y: string): number {
  const env = process.env;
  const locale = env['LC_ALL'] ?? env['LC_MESSAGES'] ?? env['LANG'] ?? 'C';
  const plain = /^[a-z:-]*$/;
  if (!/^(?:$|C(?:[._@]|$)|POSIX(?:[._@]|$)|en(?:[_.@-]|$))/.test(locale) || !plain.test(x) || !plain.test(y))
    return x.localeCompare(y);
  return x < y ? -1 : x > y ? 1 : 0;
}
