// @shootdown/conformance — the vitest kit a policy plug-in runs to prove it keeps the contracts.
export { describeConformance, KNOWN_FAILURE_SEPARATOR } from './describe.js';
export type { ConformanceOptions, TestApi } from './options.js';
export { ConformanceError, assertNone, type Where } from './problems.js';
export { declarationProblems } from './declaration.js';
export { selectionCases, runSelections, roundTripProblems, type SelectionCase } from './selections.js';
export { configureProblems } from './configure-check.js';
export { POLICY_TOKENS, type TokenShape } from './contract-shapes.js';
export { runProblems, type RunCheckOptions } from './run-checks.js';
export { loadKitScenarios, stepsByPath, SCENARIO_DIR, type KitScenario } from './scenarios.js';
export { claimProblems, loadClaimScenarios, CLAIM_SCENARIO_DIR, type ClaimCheckOptions } from './claims.js';
