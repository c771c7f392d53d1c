/**
 * Fisher-preconditioned replay (the nngeometry notebook's "ours", REFERENCE.md §13): after backward, the
 * mixed batch's gradient g is replaced by
 *   u = (F + δI)⁻¹·g,   F = (1/N) Σ_n Σ_c p_c(x_n) g_nc g_ncᵀ  the exact Fisher of the mixed batch
 * ('classif_logits': the expectation over the model's own softmax), recomputed every step, in one of
 * three forms:
 *   diag   u = g ⊘ (diag F + δ), elementwise;
 *   kfac   per layer F ≈ A ⊗ G (kfac.ts), V the layer's gradient as [out, D]; with Martens & Grosse's
 *          factored Tikhonov damping (KFAC paper §6.3)
 *            u = (G + (√δ/π)·I)⁻¹ · V · (A + π√δ·I)⁻¹,   π = √((tr A / dim A) / (tr G / dim G)),
 *          NOT the exact (A ⊗ G + δI)⁻¹·v: that needs the factors' eigendecompositions (KFACFisher.solve),
 *          which read back to the host every step; the factored form needs only the two small inverses,
 *          computed by Newton–Schulz (below) in matmuls on the GPU. (A + π√δ I) ⊗ (G + √δ/π I) =
 *          A ⊗ G + δI + π√δ·I ⊗ G + (√δ/π)·A ⊗ I: it damps more than δI, by cross terms π balances;
 *   dense  F as one [P, P] matrix (small models: P ≤ DENSE_LIMIT), (F + δI)·u = g by a fixed number of
 *          Jacobi-preconditioned conjugate-gradient iterations on the GPU.
 *
 * Why this shape. The strategy's step hooks are synchronous and run inside the step's tidy(); a step
 * must not read back. cl.fisher.compute() is async only for a label check the exact variant does not
 * need, and FisherMatrix.solve reads back for eigendecompositions. So the preconditioner calls the same
 * per-minibatch function compute() calls (compute.ts addBatch: forward with the layers captured, the C
 * backward passes, the accumulator), in Fisher mode (eval, no parameter gradients, restored after), and
 * solves with fixed-length iterations made of ordinary ops: no readback, no host decision per step.
 *
 * Newton–Schulz, X ← X·(2I − M·X). For symmetric positive definite M we start from X₀ = I / tr M (not
 * the general Mᵀ/(‖M‖₁‖M‖∞)): then every iterate is a polynomial in M and the residual R_k = I − M·X_k
 * is exactly R₀^(2^k) = (I − M/tr M)^(2^k), whose eigenvalues (1 − λ/tr M)^(2^k) ≤ exp(−2^k/κ') with
 * κ' = tr M / λ_min ≤ dim·κ (the general start gives dim·κ², twice the bits). NEWTON_SCHULZ_STEPS = 30
 * brings ‖R‖₂ below 1e-6 for κ' ≤ 2^30/ln(1e6) ≈ 7.8e7, past where float32 inverses mean anything. With
 * the factored damping λ_min(A + π√δ I) ≥ π√δ, so κ' ≤ dim A·(1 + √(ā ḡ/δ)), ā, ḡ the factors' mean
 * diagonals: κ' ≤ 7.8e7 for ā·ḡ/δ up to ≈ 3.7e11 at dim 126 (the notebook CNN's widest factor).
 *
 * Conjugate gradients. CG on the SPD system converges in at most P steps in exact arithmetic and its
 * error falls like 2·((√κ − 1)/(√κ + 1))^k; the fixed CG_STEPS bounds the cost per step. Measured on an
 * MNIST batch's Fisher (test/cl/precondition.test.ts, P = 490, δ = 0.01, κ ≈ 550): ‖(F + δI)u − g‖/‖g‖
 * 2.7e-2 after 32 steps, 9e-4 after 64, 4e-6 after 128 (float32's floor), the same after 256 and 512
 * (the floored denominators keep a solved system solved). CG_STEPS = 256 leaves room for a √κ four
 * times larger, at ≈ 11 small dispatches a step: cheap beside the dense Fisher itself. The scalars
 * α = rᵀz / pᵀq and β stay on the GPU as 0-d tensors; their denominators are floored at 1e-30 (maximum
 * keeps NaN) so that an exactly solved system (r = 0) stays solved instead of turning 0/0 into NaN.
 */
import { add, div, full, keep, matmul, maximum, mul, reshape, sqrt, sub, sum, tidy, zeros, Generator, type Tensor } from '../../engine/index.js';
import type { Module } from '../../nn/module.js';
import { addBatch, accumulator, enterFisherMode } from '../fisher/compute.js';
import { LayerCapture } from '../fisher/capture.js';
import type { DiagFisher } from '../fisher/diag.js';
import type { FisherMatrix, PVector } from '../fisher/fisher-matrix.js';
import type { KFACFisher } from '../fisher/kfac.js';
import { fisherLayers } from '../fisher/layers.js';
import { diagonal, diagonalMatrix, Layout } from '../fisher/layout.js';

export const PRECONDITIONS = ['diag', 'kfac', 'dense'] as const;
export type Precondition = (typeof PRECONDITIONS)[number];

/** Newton–Schulz iterations per KFAC factor inverse (the header says why 30). */
export const NEWTON_SCHULZ_STEPS = 30;
/** Conjugate-gradient iterations of the dense solve. */
export const CG_STEPS = 256;

const OP = 'Replay (precondition)';

/** M⁻¹ for a symmetric positive definite [n, n] M: Newton–Schulz from X₀ = I / tr M, `steps` times. */
export function newtonSchulzInverse(M: Tensor, steps = NEWTON_SCHULZ_STEPS): Tensor {
  const n = M.shape[0]!;
  const I = identity(n);
  const twoI = mul(I, 2);
  let X = div(I, sum(diagonal(M)));
  for (let k = 0; k < steps; k++) X = matmul(X, sub(twoI, matmul(M, X)));
  return X;
}

/** u = g ⊘ (diag F + δ), per parameter. */
export function diagSolve(F: DiagFisher, g: PVector, damping: number): Tensor[] {
  return g.map((t, i) => div(t, add(F.diagonal[i]!, damping)));
}

/** Per slot u = (G + √δ/π·I)⁻¹ · V · (A + π√δ·I)⁻¹ (factored Tikhonov damping, see the header). */
export function kfacSolve(F: KFACFisher, g: PVector, damping: number, steps = NEWTON_SCHULZ_STEPS): Tensor[] {
  const layout = F.layout;
  return F.factors.flatMap((terms, i) => {
    if (terms.length !== 1) throw new RangeError(`${OP}: layer '${layout.slots[i]!.name}' holds ${terms.length} Kronecker terms; the factored solve needs one`);
    const { A, G } = terms[0]!;
    const meanA = div(sum(diagonal(A)), A.shape[0]!);
    const meanG = div(sum(diagonal(G)), G.shape[0]!);
    const pi = sqrt(div(meanA, meanG));
    const Ainv = newtonSchulzInverse(add(A, mul(identity(A.shape[0]!), mul(pi, Math.sqrt(damping)))), steps);
    const Ginv = newtonSchulzInverse(add(G, mul(identity(G.shape[0]!), div(Math.sqrt(damping), pi))), steps);
    return layout.fromMatrix(matmul(matmul(Ginv, layout.matrix(g, i)), Ainv), i);
  });
}

/** (F + δI)⁻¹·g with F dense [P, P] in the layout's flat order: Jacobi-preconditioned CG, `steps` iterations from u = 0. */
export function denseSolve(layout: Layout, F: Tensor, g: PVector, damping: number, steps = CG_STEPS): Tensor[] {
  const b = reshape(layout.flat(g), [-1, 1]);
  const jacobi = div(1, add(reshape(diagonal(F), [-1, 1]), damping)); // (diag F + δ)⁻¹
  const apply = (v: Tensor) => add(matmul(F, v), mul(v, damping)); // (F + δI)·v
  const floor = (s: Tensor) => maximum(s, 1e-30);
  let u = zeros(b.shape);
  let r = b;
  let z = mul(jacobi, r);
  let p = z;
  let rz = sum(mul(r, z));
  for (let k = 0; k < steps; k++) {
    const q = apply(p);
    const alpha = div(rz, floor(sum(mul(p, q))));
    u = add(u, mul(p, alpha));
    r = sub(r, mul(q, alpha));
    z = mul(jacobi, r);
    const next = sum(mul(r, z));
    p = add(z, mul(p, div(next, floor(rz))));
    rz = next;
  }
  return layout.unflat(reshape(u, [-1]));
}

/** The n×n identity without a host upload. */
function identity(n: number): Tensor {
  return diagonalMatrix(full([n], 1));
}

/**
 * Replaces the gradient of a model's covered parameters by (F + δI)⁻¹·g, F the exact Fisher of a batch.
 * Made once per model; apply() per step, synchronous, no readback.
 */
export class FisherPreconditioner {
  private readonly layout: Layout;
  private readonly capture: LayerCapture;
  private readonly params: Tensor[];
  /** seeds() wants one; the exact variant draws nothing from it. */
  private readonly generator = new Generator(0);

  constructor(private readonly model: Module, readonly kind: Precondition, readonly damping: number) {
    if (!PRECONDITIONS.includes(kind)) throw new RangeError(`${OP}: precondition must be one of ${PRECONDITIONS.join(', ')}, got ${JSON.stringify(kind)}`);
    if (!(typeof damping === 'number' && Number.isFinite(damping) && damping > 0)) throw new RangeError(`${OP}: damping must be a finite number > 0, got ${JSON.stringify(damping)}`);
    const layers = fisherLayers(OP, model);
    this.layout = new Layout(layers.map((l) => l.slot));
    if (kind === 'dense') this.layout.checkDense(OP, this.layout.P, 'the dense Fisher of the model');
    this.params = layers.flatMap(({ module, slot }) => [...(slot.weight ? [module.weight] : []), ...(slot.bias ? [module.bias!] : [])]);
    this.capture = new LayerCapture(layers);
  }

  /** The exact Fisher of the batch (x, y: y only passed through, the exact variant ignores it), owned by the caller. */
  fisher(x: Tensor, y: Tensor): FisherMatrix {
    const acc = accumulator(this.kind, this.layout);
    const restore = enterFisherMode(this.model, this.capture);
    try {
      addBatch(OP, this.model, this.capture, acc, 'exact', x, y, this.generator);
      return acc.finish(x.shape[0]!);
    } finally {
      restore();
      acc.dispose();
    }
  }

  /** Every covered parameter's .grad ← (F + δI)⁻¹·g, F the exact Fisher of (x, y). */
  apply(x: Tensor, y: Tensor): void {
    const missing = this.params.findIndex((p) => p.grad === null);
    if (missing >= 0) throw new Error(`${OP}: ${this.layout.describe(missing)} has no gradient to precondition (did it take part in the loss?)`);
    const F = this.fisher(x, y);
    try {
      const u = tidy(() => this.solve(F, this.params.map((p) => p.grad!)));
      this.params.forEach((p, i) => { p.grad!.dispose(); p.grad = keep(u[i]!); });
    } finally {
      F.dispose();
    }
  }

  private solve(F: FisherMatrix, g: PVector): Tensor[] {
    switch (this.kind) {
      case 'diag': return diagSolve(F as DiagFisher, g, this.damping);
      case 'kfac': return kfacSolve(F as KFACFisher, g, this.damping);
      case 'dense': return denseSolve(this.layout, F.dense(), g, this.damping);
    }
  }

  dispose(): void {
    this.capture.dispose();
  }
}
