export type { ProjectionCalculator, CalculatorState, LoadableCalculatorState } from './calculator.js';
export { NullSpace, type NullSpaceOptions } from './null-space.js';
export { GPM, type GPMOptions } from './gpm.js';
export { LowPlasticity } from './low-plasticity.js';
export { ZeroPlasticity } from './zero-plasticity.js';
