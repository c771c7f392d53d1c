/**
 * cl.fisher: Fisher information matrices of classifiers (nngeometry's FIM in our engine) —
 * compute(model, data, {representation, variant}) and the matrices' linear algebra (vTMv, mv, solve,
 * add, scale, trace, frobeniusNorm, dense, state).
 */
export { compute, type FisherOptions } from './compute.js';
export { FisherMatrix, REPRESENTATIONS, type Representation, type PVector, type SolveOptions, type FisherState, type FisherRecord, type LoadableFisherState } from './fisher-matrix.js';
export { DiagFisher } from './diag.js';
export { KFACFisher } from './kfac.js';
export { BlockFisher } from './blocks.js';
export { VARIANTS, type Variant } from './seeds.js';
export { parameters } from './layers.js';
export { fromState } from './restore.js';
export { DENSE_LIMIT, type Slot } from './layout.js';
