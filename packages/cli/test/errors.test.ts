import { describe, expect, it } from 'vitest';
import { classifyError, FindingError, InputError } from '../src/errors.js';

// DESIGN §6 exit codes: 0 done, 1 a claimed invariant broke or an expectation failed, 2 bad input.
describe('error classification', () => {
  it('maps user mistakes to exit 2 with their hints', () => {
    const c = classifyError(new InputError('unknown policy', ["did you mean 'linux-x86'?"]));
    expect(c.exitCode).toBe(2);
    expect(c.lines).toEqual(['unknown policy', "did you mean 'linux-x86'?"]);
  });

  it('maps findings to exit 1', () => {
    expect(classifyError(new FindingError('1 verdict mismatch')).exitCode).toBe(1);
  });

  it('honours an exitCode of 2 on errors thrown by other packages', () => {
    const e = Object.assign(new Error('scenario.yaml:3:5: unknown op'), { exitCode: 2 });
    expect(classifyError(e)).toMatchObject({ exitCode: 2, code: 'bad-input' });
  });

  it('treats a missing file as bad input', () => {
    const e = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT' });
    expect(classifyError(e).exitCode).toBe(2);
  });

  it('keeps bugs apart from findings', () => {
    const c = classifyError(new TypeError('x is undefined'));
    expect(c.exitCode).toBe(3);
    expect(c.code).toBe('internal');
  });
});
