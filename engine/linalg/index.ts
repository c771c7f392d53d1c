/** Linear algebra: covariance (one shot and streaming), symmetric eigendecomposition (full and leading), SVD. */
export { cov, type CovOptions } from './cov.js';
export { CovarianceAccumulator, type CovarianceAccumulatorOptions } from './covariance-accumulator.js';
export { patchCov, type PatchCovOptions } from './patch-covariance.js';
export { eigh, type EighOptions, type EighResult } from './eigh.js';
export { svd, type SvdOptions, type SvdResult } from './svd.js';
export { eighTop, eighEnergy, type EighTopOptions, type EighTopResult, type EighEnergyResult } from './eigh-top.js';
