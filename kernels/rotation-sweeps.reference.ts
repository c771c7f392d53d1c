/**
 * Float64 reference of kernels/rotation-sweeps.wgsl.ts: the table's groups applied to the rows of
 * w [rows, cols] in place, stage by stage as the kernel does.
 */
import { SWEEP_STAGES, type SweepTable } from './rotation-sweeps.wgsl.js';

export function rotationSweepsReference(w: Float64Array, cols: number, { groups, pairs }: SweepTable): void {
  const G = SWEEP_STAGES;
  for (let col = 0; col < cols; col++) {
    for (let q = 0; q < groups.length / 4; q++) {
      const [first, lo, hi] = [groups[4 * q]!, groups[4 * q + 1]!, groups[4 * q + 2]!];
      const h = new Float64Array(G);
      for (let r = hi, e = first; r >= lo - G; r--, e += G) {
        let x = r >= lo ? w[r * cols + col]! : 0;
        for (let g = 0; g < G; g++) {
          const c = pairs[2 * (e + g)]!, s = pairs[2 * (e + g) + 1]!;
          const out = s * x + c * h[g]!;
          h[g] = c * x - s * h[g]!;
          x = out;
        }
        if (r + G <= hi) w[(r + G) * cols + col] = x;
      }
    }
  }
}

/** What the sweeps compute, rotation by rotation: the chains (first, l, m, 0) applied in order to the rows of w [rows, cols], in place. */
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
