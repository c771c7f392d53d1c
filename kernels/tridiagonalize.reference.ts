/**
 * Float64 reference of kernels/tridiagonalize.wgsl.ts: the same Householder steps (unit v, τ = 2,
 * p = 2Av, w = p − (vᵀp)v, A ← A − vwᵀ − wvᵀ), on a symmetric a [n, n].
 */
export interface TridiagonalReference {
  /** [n] diagonal of T. */
  d: Float64Array;
  /** [n − 1] off-diagonal of T (e_k couples k and k+1). */
  e: Float64Array;
  /** [n, n]: row k is v_k (zero at indices ≤ k; all zero where H_k = I). */
  v: Float64Array;
}

export function tridiagonalizeReference(a: ArrayLike<number>, n: number): TridiagonalReference {
  const A = Float64Array.from(a);
  const d = new Float64Array(n), e = new Float64Array(Math.max(0, n - 1)), v = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    d[k] = A[k * n + k]!;
    if (k + 1 >= n) break;
    const x0 = A[(k + 1) * n + k]!;
    let sigma = 0;
    for (let i = k + 2; i < n; i++) sigma += A[i * n + k]! ** 2;
    if (sigma === 0) { e[k] = x0; continue; }
    const norm = Math.sqrt(x0 * x0 + sigma);
    e[k] = x0 >= 0 ? -norm : norm;
    const u0 = x0 - e[k]!;
    const scale = 1 / Math.sqrt(sigma + u0 * u0);
    const vk = v.subarray(k * n, (k + 1) * n);
    vk[k + 1] = u0 * scale;
    for (let i = k + 2; i < n; i++) vk[i] = A[i * n + k]! * scale;
    const p = new Float64Array(n);
    for (let i = k + 1; i < n; i++) for (let j = k + 1; j < n; j++) p[i]! += 2 * A[i * n + j]! * vk[j]!;
    let vp = 0;
    for (let i = k + 1; i < n; i++) vp += vk[i]! * p[i]!;
    for (let i = k + 1; i < n; i++) {
      for (let j = k + 1; j < n; j++) A[i * n + j]! -= vk[i]! * (p[j]! - vp * vk[j]!) + (p[i]! - vp * vk[i]!) * vk[j]!;
    }
  }
  return { d, e, v };
}
