/**
 * Float64 CPU references for the Jacobi kernels (kernels/jacobi-eigh.wgsl.ts, jacobi-svd.wgsl.ts):
 * the tournament pairing, a cyclic two-sided Jacobi eigensolver and a one-sided (Hestenes) SVD.
 * Plain loops, written for clarity and as the benchmark baseline, not for speed.
 */
import { descendingOrder } from './jacobi-gather.wgsl.js';

/** Pair k of round r of the round-robin tournament on N (even) players, as [min, max]. */
export function roundRobinPair(k: number, r: number, N: number): [number, number] {
  const player = (pos: number) => (pos === 0 ? 0 : 1 + ((pos - 1 + r) % (N - 1)));
  const a = player(k), b = player(N - 1 - k);
  return [Math.min(a, b), Math.max(a, b)];
}

/** (c, s) of the Jacobi rotation that zeroes a_pq (Golub & Van Loan 8.4.1; see jacobi-eigh.wgsl.ts). */
export function jacobiRotation(app: number, aqq: number, apq: number): [number, number] {
  if (apq === 0) return [1, 0];
  const theta = (aqq - app) / 2;
  const t = (theta >= 0 ? 1 : -1) * apq / (Math.abs(theta) + Math.hypot(theta, apq));
  const c = 1 / Math.sqrt(1 + t * t);
  return [c, t * c];
}

export interface EighReference {
  /** Descending. */
  values: Float64Array;
  /** [n, n] row-major; column k is the eigenvector of values[k]. */
  vectors: Float64Array;
  sweeps: number;
}

/**
 * Cyclic (row-by-row) two-sided Jacobi for symmetric a [n, n]: sweeps until the off-diagonal norm is
 * below tol·‖A‖_F. Each rotation updates rows and columns p, q of A and columns p, q of V.
 */
export function jacobiEighReference(a: ArrayLike<number>, n: number, tol = 1e-14, maxSweeps = 100): EighReference {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += A[i]! * A[i]!;
  const target = tol * tol * total;
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += A[i * n + j]! ** 2;
    if (off <= target) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const [c, s] = jacobiRotation(A[p * n + p]!, A[q * n + q]!, A[p * n + q]!);
        if (s === 0) continue;
        for (let k = 0; k < n; k++) { // A ← A·J (columns p, q)
          const x = A[k * n + p]!, y = A[k * n + q]!;
          A[k * n + p] = c * x - s * y;
          A[k * n + q] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) { // A ← Jᵀ·A (rows p, q)
          const x = A[p * n + k]!, y = A[q * n + k]!;
          A[p * n + k] = c * x - s * y;
          A[q * n + k] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) { // V ← V·J
          const x = V[k * n + p]!, y = V[k * n + q]!;
          V[k * n + p] = c * x - s * y;
          V[k * n + q] = s * x + c * y;
        }
      }
    }
  }
  const order = descendingOrder(Array.from({ length: n }, (_, i) => A[i * n + i]!));
  const values = Float64Array.from(order, (i) => A[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => { for (let i = 0; i < n; i++) vectors[i * n + k] = V[i * n + src]!; });
  return { values, vectors, sweeps };
}

export interface SvdReference {
  /** [m, k] row-major, k = min(m, n). */
  u: Float64Array;
  /** [k], descending. */
  s: Float64Array;
  /** [n, k] row-major. */
  v: Float64Array;
  sweeps: number;
}

/**
 * One-sided (Hestenes) Jacobi SVD of a [m, n] with m ≥ n: rotate column pairs of U = A until every
 * pair is orthogonal (|u_pᵀu_q| ≤ tol·‖u_p‖‖u_q‖), accumulating V; then σ_j = ‖u_j‖, u_j /= σ_j.
 * For m < n it factors Aᵀ and swaps U and V.
 */
export function jacobiSvdReference(a: ArrayLike<number>, m: number, n: number, tol = 1e-15, maxSweeps = 100): SvdReference {
  if (m < n) {
    const at = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) at[j * m + i] = a[i * n + j]!;
    const r = jacobiSvdReference(at, n, m, tol, maxSweeps);
    return { u: r.v, s: r.s, v: r.u, sweeps: r.sweeps };
  }
  const U = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  const dot = (M: Float64Array, rows: number, p: number, q: number) => {
    let s = 0;
    for (let k = 0; k < rows; k++) s += M[k * n + p]! * M[k * n + q]!;
    return s;
  };
  const rotate = (M: Float64Array, rows: number, p: number, q: number, c: number, s: number) => {
    for (let k = 0; k < rows; k++) {
      const x = M[k * n + p]!, y = M[k * n + q]!;
      M[k * n + p] = c * x - s * y;
      M[k * n + q] = s * x + c * y;
    }
  };
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = dot(U, m, p, p), beta = dot(U, m, q, q), gamma = dot(U, m, p, q);
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // The rotation that diagonalises the 2×2 Gram [[α, γ], [γ, β]].
        const [c, s] = jacobiRotation(alpha, beta, gamma);
        rotate(U, m, p, q, c, s);
        rotate(V, n, p, q, c, s);
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => Math.sqrt(dot(U, m, j, j)));
  const order = descendingOrder(norms);
  const u = new Float64Array(m * n), s = new Float64Array(n), v = new Float64Array(n * n);
  order.forEach((src, k) => {
    s[k] = norms[src]!;
    for (let i = 0; i < m; i++) u[i * n + k] = norms[src]! > 0 ? U[i * n + src]! / norms[src]! : 0;
    for (let i = 0; i < n; i++) v[i * n + k] = V[i * n + src]!;
  });
  return { u, s, v, sweeps };
}
