/**
 * Per-sample gradients from a layer's captured statistics, and what a representation does with them.
 *
 * For a layer with input rows Ã_n [L, D] and output gradients Δ_n [L, out] of sample n (Linear: one
 * row, L = 1; Conv2d: one per output position), the sample's gradient of [W | b] is the sum over
 * positions G_n = Δ_nᵀ·Ã_n [out, D]: one batched matmul [N, L, out]ᵀ·[N, L, D] for the whole minibatch,
 * never a loop over samples. The 'batched' variant views the minibatch as one sample
 * (Ã [1, N·L, D], Δ [1, N·L, out]): G is then the minibatch's summed gradient.
 */
import { add, keep, matmul, reshape, type Tensor } from '../../engine/index.js';
import type { Captured, LayerInputs } from './capture.js';
import type { FisherMatrix } from './fisher-matrix.js';

/** G_n = Δ_nᵀ·Ã_n for every sample n: [N, out, D]. */
export function perSampleGradients(c: Captured): Tensor {
  return matmul(c.d, c.a, { transposeA: true });
}

/** The minibatch as one sample (the 'batched' variant): Ã [1, N·L, D], Δ [1, N·L, out] (views). */
export function asOneSample(c: Captured): Captured {
  const [N, L, out] = c.d.shape as [number, number, number];
  const rows = (t: Tensor) => reshape(t, [1, N * L, t.shape[2]!]);
  return { get a() { return rows(c.a); }, get x() { return rows(c.x); }, d: reshape(c.d, [1, N * L, out]) };
}

/** How a representation sums what the backward passes of the minibatches give it. */
export interface FisherAccumulator {
  /**
   * One backward pass over a minibatch: per slot its Ã and Δ, or null where the layer took no part
   * (its gradient is zero). `first` marks a minibatch's first pass (Ã is the same for all its passes).
   */
  add(pass: readonly (Captured | null)[], first: boolean): void;
  /** After the minibatch's last pass, with each slot's input rows (null where the layer did not run). */
  endBatch?(inputs: readonly (LayerInputs | null)[]): void;
  /** The Fisher: the sums divided by `count` (samples, or minibatches for 'batched'). */
  finish(count: number): FisherMatrix;
  dispose(): void;
}

/** sums[i] ← sums[i] + t (kept out of every scope; the old sum freed). */
export function accumulate(sums: (Tensor | null)[], i: number, t: Tensor): void {
  const prev = sums[i];
  sums[i] = keep(prev ? add(prev, t) : t);
  prev?.dispose();
}
