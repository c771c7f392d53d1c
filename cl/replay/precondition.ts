/**
 * Fisher-preconditioned replay (the nngeometry notebook's "ours", REFERENCE.md §13): after backward, the
 * mixed batch's gradient g is replaced by
 *   u = (F + δI)⁻¹·g,   F = (1/N) Σ_n Σ_c p_c(x_n) g_nc g_ncᵀ  the exact Fisher of the mixed batch
 * ('classif_logits': the expectation over the model's own softmax; C backward passes), or its one-sample
 * estimate F̂ = (1/N) Σ_n g_nŷ g_nŷᵀ with ŷ_n ~ p(·|x_n) (variant 'sampled': one backward pass, C times
 * cheaper, unbiased), recomputed every step, in one of three forms:
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
 * must not read back. cl.fisher.compute() is async only for a label check neither variant here needs, and FisherMatrix.solve reads back for eigendecompositions. So the preconditioner calls the same
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
 * dense: the solve (dense-solve.ts) takes the primal form with F built as [P, P] when the Fisher's rows
 * (per-sample gradients, C per sample for exact, one for sampled) outnumber the parameters, else the
 * dual form on the rows themselves (Woodbury), and conjugate gradients on either.
 */
import { add, div, full, gt, keep, matmul, mul, sqrt, sub, sum, tidy, where, Generator, type Tensor } from '../../engine/index.js';
import type { Module } from '../../nn/module.js';
import { addBatch, accumulator, enterFisherMode } from '../fisher/compute.js';
import { LayerCapture } from '../fisher/capture.js';
import type { DiagFisher } from '../fisher/diag.js';
import type { FisherMatrix, PVector } from '../fisher/fisher-matrix.js';
import type { KFACFisher } from '../fisher/kfac.js';
import type { FisherAccumulator } from '../fisher/per-sample.js';
import { fisherLayers } from '../fisher/layers.js';
import { diagonal, diagonalMatrix, Layout } from '../fisher/layout.js';
import { denseSolve, dualDenseSolve, GradientRows } from './dense-solve.js';

export const PRECONDITIONS = ['diag', 'kfac', 'dense'] as const;
export type Precondition = (typeof PRECONDITIONS)[number];

/**
 * Which Fisher of the mixed batch: 'exact' (the notebook's: C backward passes, one per class, weighted by
 * the softmax) or 'sampled' (one label per sample drawn from the model's softmax, seeds.ts: an unbiased
 * one-sample estimate of exact, one backward pass; the representations' accumulators are the same).
 */
export const PRECONDITION_FISHERS = ['exact', 'sampled'] as const;
export type PreconditionFisher = (typeof PRECONDITION_FISHERS)[number];

/** Newton–Schulz iterations per KFAC factor inverse (the header says why 30). */
export const NEWTON_SCHULZ_STEPS = 30;
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
    // π = √(ā/ḡ); a zero factor (a layer whose inputs or output gradients are all 0) gives 0/0 or x/0, a
    // NaN or ∞ solve: π = 1 there, so each factor still gets its share of δ (a NaN factor stays NaN).
    const pi = sqrt(where(gt(mul(meanA, meanG), 0), div(meanA, meanG), 1));
    const Ainv = newtonSchulzInverse(add(A, mul(identity(A.shape[0]!), mul(pi, Math.sqrt(damping)))), steps);
    const Ginv = newtonSchulzInverse(add(G, mul(identity(G.shape[0]!), div(Math.sqrt(damping), pi))), steps);
    return layout.fromMatrix(matmul(matmul(Ginv, layout.matrix(g, i)), Ainv), i);
  });
}

/** The n×n identity without a host upload. */
function identity(n: number): Tensor {
  return diagonalMatrix(full([n], 1));
}

/**
 * Replaces the gradient of a model's covered parameters by (F + δI)⁻¹·g, F the Fisher of a batch.
 * Made once per model; apply() per step, synchronous, no readback.
 */
export class FisherPreconditioner {
  private readonly layout: Layout;
  private readonly capture: LayerCapture;
  private readonly params: Tensor[];
  /** The sampled variant's labels come from it (the exact variant draws nothing); its state goes in checkpoints. */
  readonly generator: Generator;

  constructor(private readonly model: Module, readonly kind: Precondition, readonly damping: number, readonly variant: PreconditionFisher = 'exact', seed = 0) {
    if (!PRECONDITIONS.includes(kind)) throw new RangeError(`${OP}: precondition must be one of ${PRECONDITIONS.join(', ')}, got ${JSON.stringify(kind)}`);
    if (!(typeof damping === 'number' && Number.isFinite(damping) && damping > 0)) throw new RangeError(`${OP}: damping must be a finite number > 0, got ${JSON.stringify(damping)}`);
    if (!PRECONDITION_FISHERS.includes(variant)) throw new RangeError(`${OP}: fisher must be one of ${PRECONDITION_FISHERS.join(', ')}, got ${JSON.stringify(variant)}`);
    this.generator = new Generator(seed);
    const layers = fisherLayers(OP, model);
    this.layout = new Layout(layers.map((l) => l.slot));
    if (kind === 'dense') this.layout.checkDense(OP, this.layout.P, 'the dense Fisher of the model');
    this.params = layers.flatMap(({ module, slot }) => [...(slot.weight ? [module.weight] : []), ...(slot.bias ? [module.bias!] : [])]);
    this.capture = new LayerCapture(layers);
  }

  /** The Fisher (this.variant) of the batch (x, y: y only passed through, both variants ignore it), owned by the caller. */
  fisher(x: Tensor, y: Tensor): FisherMatrix {
    const acc = accumulator(this.kind, this.layout);
    try {
      this.passes(acc, x, y);
      return acc.finish(x.shape[0]!);
    } finally {
      acc.dispose();
    }
  }

  /** Every covered parameter's .grad ← (F + δI)⁻¹·g, F the Fisher of (x, y). */
  apply(x: Tensor, y: Tensor): void {
    const missing = this.params.findIndex((p) => p.grad === null);
    if (missing >= 0) throw new Error(`${OP}: ${this.layout.describe(missing)} has no gradient to precondition (did it take part in the loss?)`);
    const g = this.params.map((p) => p.grad!);
    const u = this.kind === 'dense' && this.fisherRows(x.shape[0]!) <= this.layout.P ? this.dualSolve(x, y, g) : this.primalSolve(x, y, g);
    this.params.forEach((p, i) => { p.grad!.dispose(); p.grad = u[i]!; });
  }

  /**
   * R, the Fisher's gradient rows for a batch of N: N per pass, C passes for the exact Fisher (C the
   * logits, the last covered layer's outputs for a classifier; were it not, only the form's cost would
   * change, dense-solve.ts), one for the sampled.
   */
  private fisherRows(N: number): number {
    return N * (this.variant === 'exact' ? this.layout.slots.at(-1)!.out : 1);
  }

  /** The Fisher's passes over (x, y) into `acc`, in Fisher mode (compute.ts enterFisherMode). */
  private passes(acc: Pick<FisherAccumulator, 'add' | 'endBatch'>, x: Tensor, y: Tensor): void {
    const restore = enterFisherMode(this.model, this.capture);
    try {
      addBatch(OP, this.model, this.capture, acc, this.variant, x, y, this.generator);
    } finally {
      restore();
    }
  }

  /** u (kept) from the Fisher in this.kind's representation. */
  private primalSolve(x: Tensor, y: Tensor, g: PVector): Tensor[] {
    const F = this.fisher(x, y);
    try {
      return tidy(() => this.solveWith(F, g)).map(keep);
    } finally {
      F.dispose();
    }
  }

  /** u (kept) by the dense form's dual solve on the Fisher's gradient rows (dense-solve.ts). */
  private dualSolve(x: Tensor, y: Tensor, g: PVector): Tensor[] {
    const rows = new GradientRows(this.layout);
    try {
      this.passes(rows, x, y);
      return tidy(() => dualDenseSolve(this.layout, rows.rows(), x.shape[0]!, g, this.damping)).map(keep);
    } finally {
      rows.dispose();
    }
  }

  private solveWith(F: FisherMatrix, g: PVector): Tensor[] {
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
