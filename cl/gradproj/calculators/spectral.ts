/**
 * Projectors from an eigen-decomposition, shared by NullSpace, LowPlasticity and GPM.
 * P = V·diag(mask)·Vᵀ selects the span of the masked columns of V without slicing; V's columns are
 * normalised first (orthocl's unit_vectors: float32 eigenvectors drift from unit length by ~1e-6).
 */
import { div, eye, keep, linalg, matmul, mul, sqrt, sub, sum, tensor, tidy, type Tensor } from '../../../engine/index.js';

export function normalizeColumns(V: Tensor): Tensor {
  return tidy(() => div(V, sqrt(sum(mul(V, V), 0, { keepDims: true }))));
}

/** V·diag(mask)·Vᵀ for V [d, d] and a 0/1 mask over its columns. */
export function maskedProjector(V: Tensor, mask: ArrayLike<number>): Tensor {
  return keep(tidy(() => {
    const U = normalizeColumns(V);
    const m = tensor(Float32Array.from(mask), [1, mask.length]);
    return matmul(mul(U, m), U, { transposeB: true });
  }));
}

/**
 * Full eigen-decomposition of a symmetric Σ, then P = V·diag(free)·Vᵀ where free(λ) (eigenvalues
 * descending) marks the columns that stay free to move.
 */
export async function spectralProjector(sigma: Tensor, free: (values: Float32Array) => number[]): Promise<Tensor> {
  const { values, vectors } = await linalg.eigh(sigma);
  const mask = free(await values.data());
  const P = maskedProjector(vectors, mask);
  values.dispose();
  vectors.dispose();
  return P;
}

/** I − ÛÛᵀ for Û [d, k] with orthonormal columns: the projector onto the complement of Û's span. */
export function complementProjector(Un: Tensor): Tensor {
  return keep(tidy(() => sub(eye(Un.shape[0]!), matmul(Un, Un, { transposeB: true }))));
}

/**
 * Index of the first prefix of `values` (descending) whose share of the total reaches `fraction`:
 * the smallest k with Σ_{i<k} λᵢ ≥ fraction·Σλ (k = values.length if none).
 */
export function energyCut(values: ArrayLike<number>, fraction: number, total?: number): number {
  let all = total ?? 0;
  if (total === undefined) for (let i = 0; i < values.length; i++) all += Math.max(values[i]!, 0);
  let acc = 0;
  for (let i = 0; i < values.length; i++) {
    acc += Math.max(values[i]!, 0);
    if (acc >= fraction * all) return i + 1;
  }
  return values.length;
}
