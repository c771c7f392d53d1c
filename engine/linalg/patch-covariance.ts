/**
 * Covariance of a convolution's input patches without the patch matrix: for x [N, C, H, W] and a
 * kh×kw kernel (stride, zero padding; no dilation), Σ_n Σ_l p_{n,l} p_{n,l}ᵀ over the N·L patches
 * p_{n,l} that unfoldRows(x, kernel, opts) would give as rows ([K, K], K = C·kh·kw). Two dispatches of
 * kernels/patch-covariance.wgsl.ts, deterministic; kernels wider than PATCH_COV_MAX_KW, or with more
 * row-pair classes than one grid dimension holds, take unfoldRows + the covariance kernel instead.
 *
 * - `encodePatchCovariance(device, x, shape, out, scale, accumulate)`: out = (accumulate ? out : 0)
 *   + scale·Σ p pᵀ, for CovarianceAccumulator.addPatches and patchCov.
 * - `patchCov(x, kernel, opts)`: the mean Σ p pᵀ / (N·L) as a new [K, K] tensor. Not differentiable:
 *   the result carries no gradient.
 */
import { PATCH_COV_MAX_KW, PATCH_COV_REDUCE_WORKGROUP, PATCH_ROW_PAIRS_WORKGROUP, patchCovReduceKernel, patchRowPairClasses, patchRowPairsKernel } from '../../kernels/patch-covariance.wgsl.js';
import { grid1d, MAX_WORKGROUPS_PER_DIM } from '../../kernels/spec.js';
import { window2dParams, type Window2d } from '../../kernels/window2d.js';
import type { Device } from '../device.js';
import { checkFloat, checkTensor } from '../ops/map.js';
import { unfoldRaw } from '../ops/patches.js';
import { check4d, pairOf, windowGeometry, type Pair, type Window2dOptions } from '../ops/window2d.js';
import { formatShape } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { checkCovarianceWidth, encodeCovariance } from './cov.js';

export type { Pair };
export type PatchCovOptions = Pick<Window2dOptions, 'stride' | 'padding'>;

/** x's patches, checked: `rows` = N·L patches of `k` = C·kh·kw entries. */
export interface PatchShape {
  /** The op that checked x, named in later errors. */
  readonly op: string;
  readonly n: number;
  readonly c: number;
  readonly rows: number;
  readonly k: number;
  readonly window: Window2d;
}

/** Checks x (a non-empty float32 [N, C, H, W]), the kernel and the geometry; the patches' shape. */
export function patchShape(op: string, x: Tensor, kernel: Pair, opts: PatchCovOptions): PatchShape {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  check4d(op, 'x', x, '[N, C, H, W]');
  if (x.size === 0) throw new RangeError(`${op}: x must not be empty, got shape ${formatShape(x.shape)}`);
  const window = windowGeometry(op, x.shape, pairOf(op, 'kernel', kernel, 1), { stride: opts.stride, padding: opts.padding });
  const [n, c] = x.shape as [number, number];
  return { op, n, c, rows: n * window.out[0] * window.out[1], k: c * window.kernel[0] * window.kernel[1], window };
}

/** Row-pair invocations worth having (2 cores): images are cut into chunks until there are this many. */
const TARGET_INVOCATIONS = 512;

/** Encodes out = (accumulate ? out : 0) + scale·Σ_n Σ_l p_{n,l} p_{n,l}ᵀ into `out` ([K, K] float32). */
export function encodePatchCovariance(device: Device, x: Tensor, shape: PatchShape, out: GPUBuffer, scale: number, accumulate: boolean): void {
  const { op, n, c, k, window: w } = shape;
  if (out.size < k * k * 4) throw new RangeError(`${op}: out holds ${out.size} bytes, less than the [${k}, ${k}] float32 result needs (${k * k * 4})`);
  const [kh, kw] = w.kernel;
  const classes = patchRowPairClasses(c, kh);
  const rows = (w.out[0] - 1) * w.stride[0] + kh; // padded rows some patch reads
  const chunks = Math.min(n, Math.ceil(TARGET_INVOCATIONS / (classes * rows)));
  const partBytes = classes * rows * chunks * kw * kw * 4;
  if (kw > PATCH_COV_MAX_KW || classes > MAX_WORKGROUPS_PER_DIM || partBytes > device.limits.maxStorageBufferBindingSize) {
    checkCovarianceWidth(op, k);
    const patches = unfoldRaw(op, x, w, 'rows');
    encodeCovariance(device, patches.buffer, shape.rows, k, out, scale, accumulate);
    patches.dispose();
    return;
  }
  const part = device.allocate(partBytes);
  const params = window2dParams(w, n, c, rows * chunks, 0, [chunks, rows]);
  device.dispatch(patchRowPairsKernel({ kw, sx: w.stride[1] }), params, [x.buffer, part], [Math.ceil((rows * chunks) / PATCH_ROW_PAIRS_WORKGROUP), classes, 1]);
  const reduce = new ArrayBuffer(36);
  new Uint32Array(reduce, 0, 8).set([k, c, kh, kw, w.out[0], w.stride[0], rows, chunks]);
  new Float32Array(reduce, 32, 1)[0] = scale;
  device.dispatch(patchCovReduceKernel(accumulate), new Uint8Array(reduce), [part, out], grid1d(k * k, PATCH_COV_REDUCE_WORKGROUP));
  device.release(part);
}

/** The mean Σ_n Σ_l p_{n,l} p_{n,l}ᵀ / (N·L) of x's patches (unfoldRows rows) as a new [K, K] tensor; no gradient. */
export function patchCov(x: Tensor, kernel: Pair, opts: PatchCovOptions = {}): Tensor {
  const shape = patchShape('patchCov', x, kernel, opts);
  const out = emptyTensor(x.device, [shape.k, shape.k]);
  encodePatchCovariance(x.device, x, shape, out.buffer, 1 / shape.rows, false);
  return out;
}
