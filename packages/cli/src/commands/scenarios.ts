import { Flags } from '../oclif.js';
import { listTopics } from '@shootdown/catalog';
import { ShootdownCommand } from '../base-command.js';
import { InputError } from '../errors.js';
import { closestTopic } from '../suggest.js';

export interface ScenarioListing {
  readonly topic: string;
  readonly name: string;
  readonly description: string;
  readonly path: string;
  readonly hasVerdicts: boolean;
}

export default class Scenarios extends ShootdownCommand {
  static override summary = 'List the built-in scenario catalogue, by topic.';
  static override description =
    'Every catalogue scenario can be named instead of a path in run, compare and validate. ' +
    "A topic's verdict file (expected) is what `compare --expect` checks.";
  static override examples = ['<%= config.bin %> scenarios', '<%= config.bin %> scenarios --topic vmalloc'];
  static override flags = {
    topic: Flags.string({ summary: 'Only this topic.' }),
  };

  async run(): Promise<ScenarioListing[]> {
    const { flags } = await this.parse(Scenarios);
    let topics = listTopics();
    if (flags.topic !== undefined) {
      const wanted = flags.topic;
      const names = topics.map((t) => t.name);
      if (!names.includes(wanted)) {
        const near = closestTopic(wanted, names);
        throw new InputError(
          `--topic ${wanted}: no such catalogue topic`,
          near ? [`did you mean '${near}'?`] : [`topics: ${names.join(', ') || '(none yet)'}`],
        );
      }
      topics = topics.filter((t) => t.name === wanted);
    }
    const rows: ScenarioListing[] = topics.flatMap((t) =>
      t.scenarios.map((s) => ({
        topic: t.name,
        name: s.name,
        description: s.description,
        path: s.path,
        hasVerdicts: t.expected !== undefined,
      })),
    );
    if (!this.jsonEnabled()) {
      if (rows.length === 0) this.log('The catalogue is empty.');
      for (const t of topics) {
        if (t.scenarios.length === 0) continue;
        this.log(`${t.name}${t.expected ? '' : '  (no verdict file)'}`);
        const width = Math.max(...t.scenarios.map((s) => s.name.length));
        for (const s of t.scenarios) this.log(`  ${s.name.padEnd(width)}  ${s.description}`);
      }
    }
    return rows;
  }
}
