/**
 * Leading eigenpairs of a symmetric matrix without a full decomposition:
 *  - eighTop(a, k): the k largest eigenvalues and their eigenvectors, for symmetric positive
 *    semidefinite a (covariances; subspace iteration finds the eigenvalues of largest magnitude, which
 *    are the largest only when a has no large negative eigenvalues);
 *  - eighEnergy(a, fraction): the fewest leading eigenpairs whose eigenvalues sum to at least
 *    fraction·trace(a) (gradient projection keeps those explaining 1 − R of Σλ).
 *
 * Method: randomised range finder + subspace iteration + Rayleigh–Ritz (Halko, Martinsson & Tropp
 * 2011, Algorithms 4.3/4.4 and 5.3). With s = k + oversample columns, Q₀ = orth(AΩ) for Gaussian Ω,
 * then Q ← orth(AQ). Every `checkEvery` iterations: B = QᵀAQ (s×s), B = ZΘZᵀ by `eigh` (its default,
 * the tridiagonal method), V = QZ; stop when every one of the k leading Ritz pairs has
 * ‖AV_j − θ_jV_j‖ ≤ tol·|θ₁|.
 * The error of Ritz vector j shrinks like (λ_{s+1}/λ_j)^iterations, hence the oversampling.
 *
 * Work split: A·Q (2n²s flops, the only O(n²) part) runs on the GPU; orth() is Householder QR of the
 * n×s block in float64 on the host (2ns² flops; one readback and one upload of n·s floats per
 * iteration). Host QR rather than Cholesky-QR on the GPU because AQ's columns are graded by the
 * spectrum (κ up to λ₁/λ_s, 1e4 and more for covariances) and a float32 Gram matrix squares that.
 *
 * When the tridiagonal eigh is used instead (eigh-tridiagonal.ts, which forms only the k leading
 * eigenvectors; its cost hardly depends on k): the subspace iteration (9–12 iterations) costs about
 * as much once s ≈ n/12. Measured on covariances of MNIST-derived data (bench/eigh.ts's kind;
 * lavapipe/GL, best of 3, ms, load average 1.8): n = 512: tridiagonal 67–101, subspace s = 14: 29,
 * s = 26: 49, s = 48: 97, s = 72: 154; n = 784: tridiagonal 178–249, s = 14: 39, s = 26: 105,
 * s = 48: 166, s = 72: 343. So eighTop takes the tridiagonal route when s > n/12
 * (FULL_EIGH_FRACTION).
 */
import { noGrad } from '../autograd.js';
import { tensor } from '../ops/creation.js';
import { mul, square, sub } from '../ops/elementwise.js';
import { slice } from '../ops/indexing.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { Generator } from '../random.js';
import { formatShape } from '../shape.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { eigh, eighLeading } from './eigh.js';
import { checkFinite, checkMatrix, matrixStats } from './matrix-stats.js';

export interface EighTopOptions {
  /** Extra subspace columns (default max(10, k/2)). */
  oversample?: number;
  /** Residual tolerance relative to |θ₁| (default 1e-5). */
  tol?: number;
  /** Iteration cap (default 60); reaching it warns. */
  maxIters?: number;
  /** Rayleigh–Ritz and the residual check every this many iterations (default 3). */
  checkEvery?: number;
  /** Seed of the Gaussian start block (default 0: the same result every call). */
  seed?: number;
  onWarning?: (message: string) => void;
}

export interface EighTopResult {
  /** [k], descending. */
  values: Tensor;
  /** [n, k], columns are unit eigenvectors. */
  vectors: Tensor;
  /** Subspace iterations run (0 when the full eigh was used). */
  iterations: number;
  /** max_j ‖Av_j − θ_jv_j‖ / max_j |θ_j| of the returned pairs (computed the same way when the full eigh ran). */
  residual: number;
}

/**
 * Thin Householder QR of y [n, s] (row-major, n ≥ s) in float64: returns Q [n, s] with orthonormal
 * columns spanning y's columns (any orthonormal completion where y is rank-deficient). Columns are
 * copied into their own arrays so that every inner loop runs over contiguous memory.
 */
export function orthonormalize(y: ArrayLike<number>, n: number, s: number): Float32Array {
  const cols = Array.from({ length: s }, (_, c) => Float64Array.from({ length: n }, (_, i) => y[i * s + c]!));
  const reflectors: Float64Array[] = [];
  // v·(vᵀx) removed from x[j:]: x ← (I − 2vvᵀ)x for a unit v supported on j..n−1.
  const reflect = (v: Float64Array, x: Float64Array, j: number) => {
    let d = 0;
    for (let i = j; i < n; i++) d += v[i]! * x[i]!;
    d *= 2;
    for (let i = j; i < n; i++) x[i]! -= v[i]! * d;
  };
  for (let j = 0; j < s; j++) {
    // v ∝ x − αe_j with α = −sign(x_j)‖x‖ (no cancellation), so that Hx = αe_j.
    const x = cols[j]!;
    let norm = 0;
    for (let i = j; i < n; i++) norm += x[i]! * x[i]!;
    norm = Math.sqrt(norm);
    const v = new Float64Array(n);
    for (let i = j; i < n; i++) v[i] = x[i]!;
    v[j] = x[j]! + (x[j]! >= 0 ? norm : -norm);
    let vn = 0;
    for (let i = j; i < n; i++) vn += v[i]! * v[i]!;
    vn = Math.sqrt(vn);
    if (vn > 0) for (let i = j; i < n; i++) v[i]! /= vn;
    reflectors.push(v);
    for (let c = j + 1; c < s; c++) reflect(v, cols[c]!, j);
  }
  // Q = H₀H₁···H_{s−1}·[I; 0], applied right to left to each column e_c.
  const q = new Float32Array(n * s);
  for (let c = 0; c < s; c++) {
    const e = new Float64Array(n);
    e[c] = 1;
    for (let j = Math.min(c, s - 1); j >= 0; j--) reflect(reflectors[j]!, e, j);
    for (let i = 0; i < n; i++) q[i * s + c] = e[i]!;
  }
  return q;
}

/** eighTop takes the tridiagonal route when s = k + oversample exceeds this fraction of n (header). */
const FULL_EIGH_FRACTION = 1 / 12;

function subspaceSize(k: number, opts: EighTopOptions): number {
  return k + (opts.oversample ?? Math.max(10, Math.ceil(k / 2)));
}

function checkCount(op: string, k: number, n: number): void {
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`${op}: k must be an integer in [1, ${n}], got ${k}`);
}

/** max_j ‖av_j − θ_jv_j‖ / max_j |θ_j| for av = A·v [n, k], v [n, k], θ [k] (one readback each of θ and the norms). */
async function relativeResidual(av: Tensor, v: Tensor, theta: Tensor): Promise<number> {
  const norms = tidy(() => noGrad(() => sum(square(sub(av, mul(v, theta))), 0)));
  const res = await norms.toArray();
  norms.dispose();
  const scale = Math.max(...Array.from(await theta.toArray(), Math.abs));
  return scale > 0 ? Math.sqrt(Math.max(...res)) / scale : 0;
}

/**
 * The leading pairs of a, as many as `count` picks from all n eigenvalues (descending), by the
 * tridiagonal eigh, which forms only those eigenvectors; with their residual.
 */
async function leading(a: Tensor, onWarning: EighTopOptions['onWarning'], count: (values: Float64Array) => number): Promise<EighTopResult> {
  const { values, vectors } = await eighLeading(a, { onWarning }, count);
  const av = noGrad(() => matmul(a, vectors));
  const residual = await relativeResidual(av, vectors, values);
  av.dispose();
  return { values, vectors, iterations: 0, residual };
}

export async function eighTop(a: Tensor, k: number, opts: EighTopOptions = {}): Promise<EighTopResult> {
  checkMatrix('eighTop', 'a', a);
  const [n, cols] = a.shape as [number, number];
  if (n !== cols) throw new RangeError(`eighTop: a must be square [n, n], got ${formatShape(a.shape)}`);
  checkCount('eighTop', k, n);
  const device = a.device;
  // Checked before either route, so that a NaN is reported as eighTop's (the full route would name eigh).
  const input = await matrixStats(device, a.buffer, n, n);
  checkFinite('eighTop', 'a', input);
  const s = subspaceSize(k, opts);
  if (s > FULL_EIGH_FRACTION * n) return leading(a, opts.onWarning, () => k);
  const tol = opts.tol ?? 1e-5;
  const maxIters = opts.maxIters ?? 60;
  const checkEvery = opts.checkEvery ?? 3;

  const g = new Generator(opts.seed ?? 0);
  const omega = Float32Array.from({ length: n * s }, () => g.normal());
  const y0 = tidy(() => noGrad(() => matmul(a, tensor(omega, [n, s], { device }))));
  let q = tensor(orthonormalize(await y0.toArray(), n, s), [n, s], { device });
  y0.dispose();
  for (let it = 1; ; it++) {
    const y = noGrad(() => matmul(a, q));
    if (it % checkEvery === 0 || it === maxIters) {
      const rr = await rayleighRitz(q, y, k, opts);
      if (rr.residual <= tol || it === maxIters) {
        if (rr.residual > tol) {
          (opts.onWarning ?? console.warn)(`eighTop: not converged after ${it} iterations: residual ${rr.residual.toExponential(2)}·|θ₁| > tol ${tol}; raise maxIters or oversample`);
        }
        y.dispose();
        q.dispose();
        return { ...rr, iterations: it };
      }
      rr.values.dispose();
      rr.vectors.dispose();
    }
    const next = tensor(orthonormalize(await y.toArray(), n, s), [n, s], { device });
    y.dispose();
    q.dispose();
    q = next;
  }
}

/** Ritz pairs of span(q) (y = Aq): the k leading ones and their largest relative residual. */
async function rayleighRitz(q: Tensor, y: Tensor, k: number, opts: EighTopOptions): Promise<Omit<EighTopResult, 'iterations'>> {
  const b = noGrad(() => matmul(q, y, { transposeA: true }));
  const small = await eigh(b, { onWarning: opts.onWarning });
  b.dispose();
  // V = QZ and AV = (AQ)Z = YZ.
  const { values, vectors, av } = tidy(() => noGrad(() => {
    const z = slice(small.vectors, 1, 0, k);
    return { values: slice(small.values, 0, 0, k), vectors: matmul(q, z), av: matmul(y, z) };
  }));
  small.values.dispose();
  small.vectors.dispose();
  const residual = await relativeResidual(av, vectors, values);
  av.dispose();
  return { values, vectors, residual };
}

/** eighEnergy tries the subspace iteration first only while s is at most this fraction of n (eighEnergy). */
const PROBE_FRACTION = 1 / 40;

export interface EighEnergyResult extends EighTopResult {
  /** trace(a). */
  trace: number;
  /** Σ of the returned eigenvalues / trace. */
  explained: number;
}

/**
 * The fewest leading eigenpairs of a (symmetric positive semidefinite) whose eigenvalues sum to at
 * least fraction·trace(a). The tridiagonal eigh computes all eigenvalues before any eigenvector, so
 * it takes the count from them and forms just those vectors: one pass, whatever the count. Where
 * that pass is expensive against a small subspace run (s = initialK + oversample ≤ n/40, so n ≥ 1,920
 * for the default initialK = 32), eighEnergy first tries eighTop(a, initialK) and keeps its pairs
 * when they suffice. The tradeoff at n = 784 (eighTop's header): a probe at s = 14–18 costs 20–30 % of
 * the tridiagonal route, one at the default s = 48 about 70 %, and gradient projection (fraction
 * 0.99: k = 160–350 for the seed experiment's layers) would always fall short and pay both.
 * The residual of the tridiagonal route's pairs is measured like the subspace one's (one n×n by n×k
 * matmul).
 */
export async function eighEnergy(a: Tensor, fraction: number, opts: EighTopOptions & { initialK?: number } = {}): Promise<EighEnergyResult> {
  checkMatrix('eighEnergy', 'a', a);
  const [n, cols] = a.shape as [number, number];
  if (n !== cols) throw new RangeError(`eighEnergy: a must be square [n, n], got ${formatShape(a.shape)}`);
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`eighEnergy: fraction must be in (0, 1], got ${fraction}`);
  const stats = await matrixStats(a.device, a.buffer, n, n);
  checkFinite('eighEnergy', 'a', stats);
  const trace = stats.diagonal.reduce((x, y) => x + y, 0);
  if (!(trace > 0)) throw new RangeError(`eighEnergy: a must be positive semidefinite with a positive trace, got trace ${trace}`);
  const target = fraction * trace;
  const probe = Math.min(n, opts.initialK ?? 32);
  if (subspaceSize(probe, opts) <= PROBE_FRACTION * n) {
    const top = await eighTop(a, probe, opts);
    const { keep, acc } = energyCut(await top.values.toArray(), target);
    if (acc >= target) {
      const [v, vec] = noGrad(() => [slice(top.values, 0, 0, keep), slice(top.vectors, 1, 0, keep)]);
      top.values.dispose();
      top.vectors.dispose();
      return { values: v!, vectors: vec!, iterations: top.iterations, residual: top.residual, trace, explained: acc / trace };
    }
    top.values.dispose();
    top.vectors.dispose();
  }
  let explained = 0;
  const top = await leading(a, opts.onWarning, (values) => {
    const cut = energyCut(values, target);
    explained = cut.acc / trace;
    return cut.keep;
  });
  return { ...top, trace, explained };
}

/** The fewest leading values (descending) whose sum reaches target (all of them if none do), and that sum. */
function energyCut(values: ArrayLike<number>, target: number): { keep: number; acc: number } {
  let acc = 0, keep = 0;
  while (keep < values.length && acc < target) acc += values[keep++]!;
  return { keep, acc };
}
