// The runner: scenario × selection → RunResult.
export { runScenario, type RunOptions } from './run.js';
export { CHECKS, type CheckHandler } from './checks/index.js';
