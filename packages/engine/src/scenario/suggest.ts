// "Did you mean …?" for unknown ops, properties and ids: core's one implementation (selection/suggest.ts).
export { closest, didYouMean } from '@shootdown/core';
