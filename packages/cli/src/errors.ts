// Exit codes and the two kinds of failure a user can cause, kept apart from bugs.
//
// DESIGN §6: 0 done, 1 a claimed invariant broke or an expectation/verdict failed (so CI can gate on it),
// 2 bad input. A bug in shootdown or a plug-in is neither: it gets its own code so a CI log never mistakes
// a crash for a finding.

export const EXIT_OK = 0;
export const EXIT_FINDING = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 3;

/** A user mistake: unknown policy, malformed scenario, bad --set, missing file, bad verdict file. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly exitCode = EXIT_BAD_INPUT;
  /** Extra lines printed after the message (e.g. "did you mean …"). */
  readonly hints: readonly string[];
  constructor(message: string, hints: readonly string[] = []) {
    super(message);
    this.hints = hints;
  }
}

/**
 * The run worked and found something: a claimed invariant broke, an expectation did not hold, or a verdict
 * file disagreed. The command has already printed its report; this only carries the exit code and a summary.
 */
export class FindingError extends Error {
  override readonly name = 'FindingError';
  readonly exitCode = EXIT_FINDING;
}

export interface ClassifiedError {
  readonly exitCode: number;
  readonly code: 'bad-input' | 'finding' | 'internal';
  readonly lines: readonly string[];
}

// oclif's own parse errors (unknown flag, missing argument, bad option value) are user mistakes too.
const OCLIF_INPUT_ERRORS = new Set([
  'CLIError',
  'ArgInvalidOptionError',
  'FlagInvalidOptionError',
  'FailedFlagValidationError',
  'NonExistentFlagsError',
  'RequiredArgsError',
  'UnexpectedArgsError',
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function messageLines(err: Error): string[] {
  return err.message.split('\n').filter((l) => l.trim() !== '');
}

/**
 * Decides what a thrown value means for the user. Errors from the engine and core that describe bad input
 * carry `exitCode: 2` (or an `InputError`-like name); everything else unknown is a bug.
 */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof InputError) {
    return { exitCode: EXIT_BAD_INPUT, code: 'bad-input', lines: [...messageLines(err), ...err.hints] };
  }
  if (err instanceof FindingError) {
    return { exitCode: EXIT_FINDING, code: 'finding', lines: messageLines(err) };
  }
  if (err instanceof Error) {
    const rec = err as unknown as Record<string, unknown>;
    const oclif = isRecord(rec['oclif']) ? rec['oclif'] : undefined;
    if (typeof rec['exitCode'] === 'number' && rec['exitCode'] === EXIT_BAD_INPUT) {
      return { exitCode: EXIT_BAD_INPUT, code: 'bad-input', lines: messageLines(err) };
    }
    if (typeof rec['exitCode'] === 'number' && rec['exitCode'] === EXIT_FINDING) {
      return { exitCode: EXIT_FINDING, code: 'finding', lines: messageLines(err) };
    }
    // a machine the scenario describes but the MMU cannot build (validate checks the same limits)
    if (err.name === 'MachineConfigError') {
      return { exitCode: EXIT_BAD_INPUT, code: 'bad-input', lines: messageLines(err) };
    }
    if (OCLIF_INPUT_ERRORS.has(err.name) || (oclif !== undefined && err.name !== 'ExitError')) {
      return { exitCode: EXIT_BAD_INPUT, code: 'bad-input', lines: messageLines(err) };
    }
    const code = typeof rec['code'] === 'string' ? rec['code'] : '';
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR') {
      return { exitCode: EXIT_BAD_INPUT, code: 'bad-input', lines: messageLines(err) };
    }
    return {
      exitCode: EXIT_INTERNAL,
      code: 'internal',
      lines: [
        `internal error: ${err.message}`,
        'this is a bug; run again with DEBUG=shootdown* for a stack trace',
      ],
    };
  }
  return { exitCode: EXIT_INTERNAL, code: 'internal', lines: [`internal error: ${String(err)}`] };
}
