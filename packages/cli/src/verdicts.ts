// `--expect <verdict file>`: a path, or a catalogue topic's name for its `expected` file. A malformed
// file is bad input (exit 2) reported at file:line:column, before anything runs.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { listTopics } from '@shootdown/catalog';
import { formatScenarioError, INVARIANTS, loadVerdictFile, type VerdictFile } from '@shootdown/engine';
import { InputError } from './errors.js';
import { closestTopic } from './suggest.js';

export async function loadExpectFlag(given: string): Promise<VerdictFile> {
  let path = given;
  let hint: string[] = [];
  if (!existsSync(resolve(given))) {
    const topics = listTopics();
    const topic = topics.find((t) => t.name === given);
    if (topic?.expected !== undefined) path = topic.expected;
    else {
      // neither a file nor a topic: a mistyped topic name is the likelier mistake, so name the closest
      const names = topics.filter((t) => t.expected !== undefined).map((t) => t.name);
      const near = closestTopic(given, names);
      hint =
        near === undefined ? [`catalogue topics: ${names.join(', ')}`] : [`did you mean topic '${near}'?`];
    }
  }
  const res = await loadVerdictFile(path, { invariants: INVARIANTS });
  if (res.ok) return res.verdicts;
  const [first, ...rest] = res.errors.map((e) => formatScenarioError(e));
  throw new InputError(`--expect ${first ?? given}`, [...rest, ...hint]);
}
