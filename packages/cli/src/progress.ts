// Progress for multi-scenario runs: one rewritten line on stderr when stderr is a terminal, nothing at all
// otherwise (DESIGN §6: long runs show progress on a TTY and stay quiet otherwise), so piped output and CI
// logs stay byte-identical between runs.

export interface ProgressSink {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): boolean;
}

export class Progress {
  private readonly enabled: boolean;
  private done = 0;
  private shown = false;

  constructor(
    private readonly total: number,
    private readonly sink: ProgressSink = process.stderr,
    enabled?: boolean,
  ) {
    this.enabled = enabled ?? (sink.isTTY === true && total > 1);
  }

  /** Announces the job about to run. */
  step(label: string): void {
    if (!this.enabled) return;
    const width = Math.max(20, (this.sink.columns ?? 80) - 1);
    const line = `[${this.done + 1}/${this.total}] ${label}`.slice(0, width);
    this.sink.write(`\r\x1b[2K${line}`);
    this.shown = true;
  }

  /** Marks one job finished. */
  advance(): void {
    this.done++;
  }

  /** Clears the line so the report that follows starts clean. */
  finish(): void {
    if (this.enabled && this.shown) this.sink.write('\r\x1b[2K');
    this.shown = false;
  }
}
