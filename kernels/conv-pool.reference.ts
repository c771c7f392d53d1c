/**
 * Float64 CPU reference for kernels/conv-pool.wgsl.ts, composed from the conv2d and pooling
 * references: the forward pools the dense conv output, and the backward scatters g through the
 * argmax into a dense conv-output gradient and takes conv2d's dense adjoint (the GPU instead sums
 * the sparse terms directly, so the two derivations check each other).
 */
import { conv2dBackwardReference, conv2dReference, type ConvShapes } from './conv2d.reference.js';
import { poolBackwardReference, poolReference, type PoolResult } from './pool.reference.js';
import type { Window2d } from './window2d.js';

export interface ConvPoolShapes extends ConvShapes {
  /** Pool window (= pool stride); it tiles the conv output s.w.out. */
  pool: readonly [number, number];
}

const MAX = { op: 'max', adaptive: false } as const;

/** The pool windows over the conv output. */
function poolWindows(s: ConvPoolShapes): Window2d {
  const [Ho, Wo] = s.w.out;
  return { size: [Ho, Wo], out: [Ho / s.pool[0], Wo / s.pool[1]], kernel: s.pool, stride: s.pool, padding: [0, 0], dilation: [1, 1] };
}

/** out [N, Cout, Po, Qo] and the argmax (iy·Wo + ix in the conv plane, first maximum) of conv2d(x, w) + bias. */
export function convPoolReference(x: ArrayLike<number>, wt: ArrayLike<number>, s: ConvPoolShapes, bias?: ArrayLike<number>): PoolResult {
  return poolReference(conv2dReference(x, wt, s, bias), s.N * s.Cout, poolWindows(s), MAX);
}

/** Gradients of Σ g ⊙ out with respect to x, w and bias, each window's g going to `argmax`. */
export function convPoolBackwardReference(g: ArrayLike<number>, argmax: Int32Array, x: ArrayLike<number>, wt: ArrayLike<number>, s: ConvPoolShapes): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  return conv2dBackwardReference(poolBackwardReference(g, argmax, s.N * s.Cout, poolWindows(s), MAX), x, wt, s);
}
