/** Float64 reference of kernels/eigenvector-columns.wgsl.ts: out [n, k] from src [rows, S] (rows reversed, columns normalised). */
export function eigenvectorColumnsReference(src: ArrayLike<number>, n: number, k: number, S: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    let ss = 0;
    for (let r = 0; r < n; r++) ss += src[r * S + c]! ** 2;
    const scale = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let r = 0; r < n; r++) out[r * k + c] = src[(n - 1 - r) * S + c]! * scale;
  }
  return out;
}
