/**
 * (F + δI)⁻¹·g for the dense Fisher of a batch, F = (1/N)·GᵀG with G [R, P] the Fisher's gradient rows
 * (per sample and pass, weighted by the seeds: R = N·C for the exact Fisher, R = N for the sampled), on
 * the GPU without readback, in whichever form is smaller:
 *   primal (R > P)  F built as [P, P] (the covariance accumulator, Σ rowsᵀ·rows streamed pass by pass),
 *                   then CG on (F + δI)·u = g;
 *   dual   (R ≤ P)  Woodbury: (δI + GᵀG/N)⁻¹ = (1/δ)·(I − Gᵀ·(NδI + G·Gᵀ)⁻¹·G), so
 *                     (NδI + G·Gᵀ)·w = G·g,   u = (g − Gᵀ·w)/δ,
 *                   CG on the [R, R] system. Building G·Gᵀ costs R²·P multiply-adds against R·P² for GᵀG,
 *                   and each CG step R² against P²: on the notebook CNN with the sampled Fisher of a mixed
 *                   batch (R = 512, P = 2,780) 5.4× less to build and 30× less per step. Both systems have
 *                   the same non-zero spectrum up to the factor N, so the same κ and the same CG_STEPS.
 *
 * Conjugate gradients (Jacobi-preconditioned, from 0). CG on an SPD system converges in at most n steps in
 * exact arithmetic and its error falls like 2·((√κ − 1)/(√κ + 1))^k; the fixed CG_STEPS bounds the cost per
 * step. Measured on an MNIST batch's Fisher (test/cl/precondition.test.ts, P = 490, δ = 0.01, κ ≈ 550):
 * ‖(F + δI)u − g‖/‖g‖ 2.7e-2 after 32 steps, 9e-4 after 64, 4e-6 after 128 (float32's floor), the same after
 * 256 and 512 (the floored denominators keep a solved system solved). CG_STEPS = 256 leaves room for a √κ
 * four times larger, at ≈ 11 small dispatches a step. The scalars α = rᵀz / pᵀq and β stay on the GPU as 0-d
 * tensors; their denominators are floored at 1e-30 (maximum keeps NaN) so that an exactly solved system
 * (r = 0) stays solved instead of turning 0/0 into NaN.
 */
import { add, concat, div, keep, matmul, maximum, mul, reshape, square, sub, sum, tidy, zeros, type Tensor } from '../../engine/index.js';
import { gradientRows } from '../fisher/blocks.js';
import type { Captured } from '../fisher/capture.js';
import type { PVector } from '../fisher/fisher-matrix.js';
import { diagonal, type Layout } from '../fisher/layout.js';

/** Conjugate-gradient iterations of the dense solves. */
export const CG_STEPS = 256;

/** x with A·x = b, b [n, 1], A given by apply(v) = A·v, `jacobi` = diag(A)⁻¹ [n, 1]: `steps` Jacobi-preconditioned CG iterations from 0. */
export function conjugateGradient(apply: (v: Tensor) => Tensor, b: Tensor, jacobi: Tensor, steps = CG_STEPS): Tensor {
  const floor = (s: Tensor) => maximum(s, 1e-30);
  let x = zeros(b.shape);
  let r = b;
  let z = mul(jacobi, r);
  let p = z;
  let rz = sum(mul(r, z));
  for (let k = 0; k < steps; k++) {
    const q = apply(p);
    const alpha = div(rz, floor(sum(mul(p, q))));
    x = add(x, mul(p, alpha));
    r = sub(r, mul(q, alpha));
    z = mul(jacobi, r);
    const next = sum(mul(r, z));
    p = add(z, mul(p, div(next, floor(rz))));
    rz = next;
  }
  return x;
}

/** Primal: (F + δI)⁻¹·g with F dense [P, P] in the layout's flat order. */
export function denseSolve(layout: Layout, F: Tensor, g: PVector, damping: number, steps = CG_STEPS): Tensor[] {
  const b = reshape(layout.flat(g), [-1, 1]);
  const jacobi = div(1, add(reshape(diagonal(F), [-1, 1]), damping)); // (diag F + δ)⁻¹
  return layout.unflat(reshape(conjugateGradient((v) => add(matmul(F, v), mul(v, damping)), b, jacobi, steps), [-1]));
}

/** Dual: (GᵀG/N + δI)⁻¹·g from the rows G [R, P] by Woodbury (the header). */
export function dualDenseSolve(layout: Layout, G: Tensor, N: number, g: PVector, damping: number, steps = CG_STEPS): Tensor[] {
  const flat = reshape(layout.flat(g), [-1, 1]);
  const K = matmul(G, G, { transposeB: true }); // G·Gᵀ [R, R]
  const shift = N * damping;
  const jacobi = div(1, add(reshape(sum(square(G), 1), [-1, 1]), shift)); // (‖g_r‖² + Nδ)⁻¹
  const w = conjugateGradient((v) => add(matmul(K, v), mul(v, shift)), matmul(G, flat), jacobi, steps);
  return layout.unflat(reshape(div(sub(flat, matmul(G, w, { transposeA: true })), damping), [-1]));
}

/** Collects every pass's gradient rows over all slots (the dual form's G), kept until dispose(). */
export class GradientRows {
  private readonly blocks: Tensor[] = [];
  private readonly all: number[];

  constructor(private readonly layout: Layout) {
    this.all = layout.slots.map((_, i) => i);
  }

  add(pass: readonly (Captured | null)[]): void {
    const rows = tidy(() => gradientRows(this.layout, this.all, pass));
    if (rows) this.blocks.push(keep(rows));
  }

  /** G [R, P]: the passes' rows stacked (a new tensor in the caller's scope). */
  rows(): Tensor {
    if (!this.blocks.length) throw new Error('GradientRows.rows: no pass added');
    return concat(this.blocks, 0);
  }

  dispose(): void {
    for (const b of this.blocks) b.dispose();
    this.blocks.length = 0;
  }
}
