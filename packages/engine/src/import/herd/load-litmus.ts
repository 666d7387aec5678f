// A `.litmus` file wherever a scenario file is accepted (issue 17): the test is parsed, its executions are
// enumerated and judged, and the scenario is the execution that witnesses its condition (or, when none
// does, the first one enumerated), as `shootdown import herd` writes it. A syntax error is reported at the
// litmus file's line and column; a test using what is not modelled, or with more executions than the
// bound, is an error naming that, since there is nothing faithful to run.
import type { LoadOptions, LoadResult } from '../../scenario/load.js';
import { loadScenarioText } from '../../scenario/load.js';
import { judgeLitmus } from './index.js';
import { LitmusSyntaxError } from './lex.js';
import { parseLitmus } from './parse.js';

export function isLitmusPath(path: string): boolean {
  return path.endsWith('.litmus');
}

export function loadLitmusText(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  let test;
  try {
    test = parseLitmus(text, file);
  } catch (e) {
    if (!(e instanceof LitmusSyntaxError)) throw e;
    return {
      ok: false,
      errors: [{ file, line: e.pos.line, column: e.pos.column, pointer: '', message: e.message }],
    };
  }
  const r = judgeLitmus(test);
  if (r.status !== 'judged') {
    const what = r.status === 'unsupported' ? `unsupported: ${r.reasons.join('; ')}` : r.reasons.join('; ');
    return {
      ok: false,
      errors: [{ file, line: test.namePos.line, column: test.namePos.column, pointer: '', message: what }],
    };
  }
  return loadScenarioText(r.scenario!, file, opts);
}
