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
