// What every shootdown command shares: `--json`, the exit-code contract and short error messages.
//
// A user mistake prints one or a few plain lines on stderr and exits 2; a finding (broken claimed invariant,
// failed expectation or verdict) lets the command print its full report first and then exits 1; only a bug
// exits 3, with a stack trace when DEBUG is set. With `--json` the error is a JSON object on stdout instead,
// so scripts parse one stream.
import { Command } from './oclif.js';
import type { PolicyRegistry } from '@shootdown/core';
import { classifyError, EXIT_BAD_INPUT, EXIT_FINDING, EXIT_INTERNAL } from './errors.js';
import { failureWarnings, loadRegistryFromConfig, type LoadedRegistry } from './load-plugins.js';

const MAX_FINDING_LINES = 10;

/** A command's outputs, for report code shared by two commands (explore and merge print one report). */
export interface CommandIO {
  readonly json: boolean;
  stdoutText(text: string): void;
  stderrLine(line: string): void;
  reportFinding(summary: string): void;
  reportRunError(summary: string): void;
}

export abstract class ShootdownCommand extends Command {
  static override enableJsonFlag = true;

  /** Set by a command whose run completed but found something (exit 1). */
  private findings: string[] = [];
  /** Set by a command that reports bad input as part of its result (validate): exit 2 after printing. */
  private badInput = false;
  /** Runs whose plug-in threw, timed out or ran out of memory: exit 3 after the report (issue 13). */
  private runErrors: string[] = [];

  /** Records a run that did not complete; the report still prints (its column says `error`), then exit 3. */
  protected reportRunError(summary: string): void {
    this.runErrors.push(summary);
  }

  /** Records a finding; the command keeps going and exits 1 at the end. */
  protected reportFinding(summary: string): void {
    this.findings.push(summary);
  }

  /** The command printed its report, which says the input is bad (e.g. `validate`): exit 2 at the end. */
  protected reportBadInput(): void {
    this.badInput = true;
  }

  protected get hasFindings(): boolean {
    return this.findings.length > 0;
  }

  /**
   * Every policy the installed, linked and built-in plug-ins provide. A plug-in that fails to load is named
   * on stderr (also under --json, which owns stdout) and the command goes on with the others.
   */
  protected async loadRegistry(): Promise<PolicyRegistry> {
    return (await this.loadPlugins()).registry;
  }

  /** loadRegistry, with the plug-in folders it came from (what a worker thread loads to get the same one). */
  protected async loadPlugins(): Promise<LoadedRegistry> {
    const loaded = await loadRegistryFromConfig(this.config);
    for (const w of failureWarnings(loaded.report)) this.stderrLine(w);
    return loaded;
  }

  protected get io(): CommandIO {
    return {
      json: this.jsonEnabled(),
      stdoutText: (t) => this.stdoutText(t),
      stderrLine: (l) => this.stderrLine(l),
      reportFinding: (f) => this.reportFinding(f),
      reportRunError: (e) => this.reportRunError(e),
    };
  }

  /** Writes to stderr even in `--json` mode (warnings must never corrupt the JSON on stdout). */
  protected stderrLine(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  /** Writes a report to stdout exactly as given (no trailing newline added twice). */
  protected stdoutText(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<void> {
    const c = classifyError(err);
    process.exitCode = c.exitCode;
    if (this.jsonEnabled()) {
      this.logJson({ error: { code: c.code, exitCode: c.exitCode, message: c.lines.join('\n') } });
    } else {
      // The first line says what went wrong; the rest (hints, suggestions) are indented under it.
      c.lines.forEach((line, i) =>
        this.stderrLine(i === 0 ? `${c.code === 'internal' ? '' : 'error: '}${line}` : `  ${line}`),
      );
    }
    if (c.code === 'internal' && process.env['DEBUG'] && err instanceof Error && err.stack) {
      this.stderrLine(err.stack);
    }
    return Promise.resolve();
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    if (err === undefined && this.badInput) {
      process.exitCode = EXIT_BAD_INPUT;
    } else if (err === undefined && this.runErrors.length > 0) {
      // a plug-in failed: a bug (exit 3), whatever the other columns found; each named on stderr
      process.exitCode = EXIT_INTERNAL;
      for (const e of this.runErrors) this.stderrLine(`error: ${e}`);
    } else if (err === undefined && this.findings.length > 0) {
      process.exitCode = EXIT_FINDING;
      if (!this.jsonEnabled()) {
        // A summary, not a second report: the report itself already shows every finding.
        const shown = this.findings.slice(0, MAX_FINDING_LINES);
        for (const f of shown) this.stderrLine(f);
        const more = this.findings.length - shown.length;
        if (more > 0) this.stderrLine(`… and ${more} more`);
      }
    }
    await super.finally(err);
  }
}
