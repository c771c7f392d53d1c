/** Float64 CPU reference for kernels/matmul.wgsl.ts (one matrix; loop over batches outside). */

/** C = op(A)·op(B) for row-major A, B; op transposes when asked. */
export function matmulReference(
  a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, K: number,
  transposeA = false, transposeB = false,
): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) {
        const av = transposeA ? a[k * M + i]! : a[i * K + k]!;
        const bv = transposeB ? b[j * K + k]! : b[k * N + j]!;
        acc += av * bv;
      }
      c[i * N + j] = acc;
    }
  }
  return c;
}
