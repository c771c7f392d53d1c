/**
 * conv2d(x, w, {stride, padding, dilation, bias}): 2-D cross-correlation over NCHW tensors with
 * PyTorch semantics, as im2col + matmul. With R = unfoldRows(x) viewed as [N, L, K] (one row per
 * patch, K = Cin·kh·kw, L = Ho·Wo; R[n]ᵀ is F.unfold's P[n]) and W = w viewed as [Cout, K]:
 *   y[n] = W · R[n]ᵀ + b                                       one unfold, one batched matmul
 *   dW   = Σ_n g[n] · R[n],  db = Σ_{n,l} g[n, :, l]            batched matmul, sum over n
 *   dx   = fold(Wᵀ · g[n])                                     matmul, col2im gather
 * The bias rides in the matmul in homogeneous coordinates: P gets a row of ones and W the bias as
 * an extra column, [W | b]·[P; 1] = W·P + b, and the last column of Σ_n g[n]·[P[n]; 1]ᵀ is db.
 * So the convolution reuses the matmul kernel, and its only own kernels are unfold and the
 * deterministic adjoint fold (kernels/unfold.wgsl.ts). The patches are kept from the forward for
 * the weight gradient and freed once the backward has used them. The rows layout is the one
 * gradient-projection layers accumulate covariances of, so `onPatches` hands them the same patches
 * (no second unfold); and W·Rᵀ, B read along k, ran faster on lavapipe than W·P with P read as vec4
 * (seed CNN at batch 512: 56 vs 85 ms for the matmul).
 * On a device whose conv variant is `implicit-gemm-64x64` (hardware GPUs; engine/kernel-variants.ts)
 * y and [dW | db] come from the implicit-im2col kernels instead (engine/ops/conv-implicit.ts): the
 * patches are read from x inside the tiled product and never written, unless `onPatches` wants them.
 */
import { isGradEnabled, noGrad, record } from '../autograd.js';
import { tidy } from '../scope.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { concat, slice } from './indexing.js';
import { checkFloat, checkSameDevice, checkTensor } from './map.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';
import { foldRaw, unfoldRaw } from './patches.js';
import { implicitConvRaw, implicitConvWeightGradRaw } from './conv-implicit.js';
import { check4d, windowGeometry, type Window2dOptions } from './window2d.js';

export interface Conv2dOptions extends Window2dOptions {
  /** One value per output channel, added to every output position. */
  bias?: Tensor;
  /**
   * Called with the patch rows [N·Ho·Wo, Cin·kh·kw (+1: a column of ones with a bias)], row n·L + l
   * being patch l of sample n as in unfoldRows. Owned by conv2d: read it, do not keep or dispose it.
   */
  onPatches?: (rows: Tensor) => void;
}

function checkArgs(x: Tensor, w: Tensor, bias: Tensor | undefined): void {
  checkTensor('conv2d', 'x', x);
  checkTensor('conv2d', 'w', w);
  checkFloat('conv2d', 'x', x);
  checkFloat('conv2d', 'w', w);
  check4d('conv2d', 'x', x, '[N, Cin, H, W]');
  check4d('conv2d', 'w', w, '[Cout, Cin, kh, kw]');
  if (x.shape[1] !== w.shape[1]) {
    throw new RangeError(`conv2d: x has ${x.shape[1]} channels but w expects ${w.shape[1]} (w is ${formatShape(w.shape)})`);
  }
  if (bias !== undefined) {
    checkTensor('conv2d', 'bias', bias);
    checkFloat('conv2d', 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== w.shape[0]) {
      throw new RangeError(`conv2d: bias must have shape [${w.shape[0]}] (one value per output channel), got ${formatShape(bias.shape)}`);
    }
  }
  checkSameDevice('conv2d', { x, w, bias });
}

export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const { bias } = opts;
  checkArgs(x, w, bias);
  const [N, Cin] = x.shape as [number, number];
  const [Cout, , kh, kw] = w.shape as [number, number, number, number];
  const geom = windowGeometry('conv2d', x.shape, [kh, kw], opts);
  const [Ho, Wo] = geom.out;
  const K = Cin * kh * kw, L = Ho * Wo;
  const inputs = bias ? [x, w, bias] : [x, w];

  const implicit = x.device.kernelVariants.conv === 'implicit-gemm-64x64' && !opts.onPatches;
  let patches: Tensor | null = null; // [N, L, K (+1)], none with implicit im2col
  if (!implicit) {
    const rows = unfoldRaw('conv2d', x, geom, 'rows', bias !== undefined); // [N·L, K (+1)]
    opts.onPatches?.(rows);
    patches = rows.view([N, L, rows.shape[1]!]); // shares the storage
    rows.dispose();
  }
  const out = noGrad(() => tidy(() => {
    const w2 = reshape(w, [Cout, K]);
    const wb = bias ? concat([w2, reshape(bias, [Cout, 1])], 1) : w2;
    const y = patches ? matmul(wb, patches, { transposeB: true }) : implicitConvRaw(x, wb, geom, bias !== undefined);
    return reshape(y, [N, Cout, Ho, Wo]);
  }));
  if (!(isGradEnabled() && inputs.some((t) => t.requiresGrad))) {
    patches?.dispose();
    return out;
  }
  return record(out, 'conv2d', inputs, (g) => tidy(() => {
    const g3 = reshape(g, [N, Cout, L]);
    const dx = x.requiresGrad ? foldRaw(matmul(reshape(w, [Cout, K]), g3, { transposeA: true }), geom, 'cols', N, Cin) : null;
    const dwb = !(w.requiresGrad || bias?.requiresGrad) ? null // [Cout, K (+1)]
      : patches ? sum(matmul(g3, patches), 0) : implicitConvWeightGradRaw(g3, x, geom, bias !== undefined);
    patches?.dispose();
    if (!dwb) return [dx, null, null];
    const dw = w.requiresGrad ? reshape(bias ? slice(dwb, 1, 0, K) : dwb, w.shape) : null;
    const db = bias?.requiresGrad ? reshape(slice(dwb, 1, K), [Cout]) : null;
    return [dx, dw, db];
  }));
}
