/** Float64 CPU reference for kernels/covariance.wgsl.ts. */

/** Column means of x [rows, d]. */
export function columnMeansReference(x: ArrayLike<number>, rows: number, d: number): Float64Array {
  const mu = new Float64Array(d);
  for (let k = 0; k < rows; k++) for (let j = 0; j < d; j++) mu[j] += x[k * d + j]!;
  return mu.map((s) => s / rows);
}

/** scale · Σ_k (x[k] − μ)(x[k] − μ)ᵀ for x [rows, d] (μ = 0 when not centered). */
export function covarianceReference(x: ArrayLike<number>, rows: number, d: number, scale: number, centered = false): Float64Array {
  const mu = centered ? columnMeansReference(x, rows, d) : new Float64Array(d);
  const c = new Float64Array(d * d);
  for (let k = 0; k < rows; k++) {
    for (let i = 0; i < d; i++) {
      const xi = x[k * d + i]! - mu[i]!;
      for (let j = 0; j < d; j++) c[i * d + j] += xi * (x[k * d + j]! - mu[j]!);
    }
  }
  return c.map((v) => v * scale);
}
