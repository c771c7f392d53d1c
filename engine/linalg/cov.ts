/**
 * cov(x [n, d], {center}) = XᵀX / n, or with center: (X − 1μᵀ)ᵀ(X − 1μᵀ) / n with μ the column means
 * (the population covariance, divided by n, not n − 1). One dispatch of kernels/covariance.wgsl.ts
 * (upper-triangle tiles, mirrored; deterministic), plus the column means when centering.
 *
 * Backward: C = X̃ᵀX̃/n with X̃ = X − 1μᵀ gives dX = X̃(G + Gᵀ)/n. The centering's own term,
 * −1·(1ᵀX̃)(G + Gᵀ)/n², vanishes because the columns of X̃ sum to zero.
 */
import { tiledCovarianceKernel } from '../../kernels/covariance-tiled.wgsl.js';
import { COV_REDUCE_WORKGROUP, covarianceKernel, covarianceReduceKernel, covarianceTiles } from '../../kernels/covariance.wgsl.js';
import { MAX_WORKGROUPS_PER_DIM } from '../../kernels/spec.js';
import { noGrad, record } from '../autograd.js';
import type { Device } from '../device.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { mean } from '../ops/reduce.js';
import { tidy } from '../scope.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { checkMatrix } from './matrix-stats.js';

export interface CovOptions {
  /** Subtract the column means first (default false: the raw second moment XᵀX / n). */
  center?: boolean;
}

/** Throws when a [d, d] result has more upper-triangle tiles than one dispatch dimension holds. */
export function checkCovarianceWidth(op: string, d: number): void {
  if (covarianceTiles(d).groups > MAX_WORKGROUPS_PER_DIM) {
    const maxTiles = Math.floor((Math.sqrt(8 * MAX_WORKGROUPS_PER_DIM + 1) - 1) / 2);
    throw new RangeError(`${op}: d = ${d} columns exceed the largest supported width ${maxTiles * 32}`);
  }
}

/**
 * Encodes c = (accumulate ? c : 0) + scale·Σ_k x̃_k x̃_kᵀ for x [rows, d] into `out` ([d, d]);
 * `mu` centres the rows when given.
 */
export function encodeCovariance(device: Device, x: GPUBuffer, rows: number, d: number, out: GPUBuffer, scale: number, accumulate: boolean, mu?: GPUBuffer): void {
  const { tiles, groups } = covarianceTiles(d);
  // Split the rows when the tiles alone would occupy few workgroups (small d, many rows).
  const chunks = groups < SPLIT_BELOW_GROUPS ? Math.min(MAX_CHUNKS, Math.ceil(rows / MIN_CHUNK_ROWS)) : 1;
  const chunkRows = Math.ceil(rows / chunks);
  const params = new ArrayBuffer(20);
  new Uint32Array(params, 0, 3).set([rows, d, tiles]);
  new Float32Array(params, 12, 1)[0] = scale;
  new Uint32Array(params, 16, 1)[0] = chunkRows;
  const centered = mu !== undefined;
  // The device's covariance variant (engine/kernel-variants.ts); both take the same params and grid.
  const kernel = device.kernelVariants.covariance === 'tiled-64x64' ? tiledCovarianceKernel : covarianceKernel;
  if (chunks <= 1) {
    device.dispatch(kernel({ centered, accumulate, split: false }), new Uint8Array(params), mu ? [x, mu, out] : [x, out], [groups, 1, 1]);
    return;
  }
  const partial = device.allocate(chunks * d * d * 4);
  device.dispatch(kernel({ centered, accumulate: false, split: true }), new Uint8Array(params), mu ? [x, mu, partial] : [x, partial], [groups, chunks, 1]);
  const reduce = new ArrayBuffer(12);
  new Uint32Array(reduce, 0, 2).set([d * d, chunks]);
  new Float32Array(reduce, 8, 1)[0] = scale;
  device.dispatch(covarianceReduceKernel(accumulate), new Uint8Array(reduce), [partial, out], [Math.ceil((d * d) / COV_REDUCE_WORKGROUP), 1, 1]);
  device.release(partial);
}

/** Row splitting: below this many tile workgroups, rows are cut into chunks of at least MIN_CHUNK_ROWS. */
const SPLIT_BELOW_GROUPS = 32;
const MIN_CHUNK_ROWS = 2048;
const MAX_CHUNKS = 256;

export function cov(x: Tensor, opts: CovOptions = {}): Tensor {
  checkMatrix('cov', 'x', x);
  const [n, d] = x.shape as [number, number];
  checkCovarianceWidth('cov', d);
  const center = opts.center ?? false;
  const mu = center ? tidy(() => noGrad(() => mean(x, 0))) : null;
  const out = emptyTensor(x.device, [d, d]);
  encodeCovariance(x.device, x.buffer, n, d, out.buffer, 1 / n, false, mu?.buffer);
  mu?.dispose();
  return record(out, 'cov', [x], (g) => {
    const xc = center ? sub(x, mean(x, 0)) : x;
    return [mul(add(matmul(xc, g), matmul(xc, g, { transposeB: true })), 1 / n)];
  });
}
