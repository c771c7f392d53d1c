/** Float64 reference of kernels/rotation-chains.wgsl.ts: the chains applied to the rows of w [rows, cols] in place. */
export function rotationChainsReference(w: Float64Array, cols: number, chains: Uint32Array, cs: ArrayLike<number>): void {
  for (let t = 0; t < chains.length / 4; t++) {
    const [first, l, m] = [chains[4 * t]!, chains[4 * t + 1]!, chains[4 * t + 2]!];
    for (let i = m - 1, r = first; i >= l; i--, r++) {
      const c = cs[2 * r]!, s = cs[2 * r + 1]!;
      for (let j = 0; j < cols; j++) {
        const x = w[i * cols + j]!, y = w[(i + 1) * cols + j]!;
        w[i * cols + j] = c * x - s * y;
        w[(i + 1) * cols + j] = s * x + c * y;
      }
    }
  }
}
