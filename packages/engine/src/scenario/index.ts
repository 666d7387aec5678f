export type * from './types.js';
export { HW_OPS } from './types.js';
