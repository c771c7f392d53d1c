/** Float64 CPU reference for kernels/reduce.wgsl.ts: reduce an [outer, r, inner] array along r. */
import type { ReduceOp } from './reduce.wgsl.js';

export function reduceReference(op: ReduceOp, x: ArrayLike<number>, outer: number, r: number, inner: number): Float64Array {
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = op === 'sum' ? 0 : NaN;
      let best = 0;
      for (let k = 0; k < r; k++) {
        const v = x[(o * r + k) * inner + i]!;
        if (op === 'sum') acc += v;
        // The kernel's rule: the first element initialises, then NaN wins and stays (PyTorch).
        else if (k === 0 || (!Number.isNaN(acc) && (Number.isNaN(v) || ((op === 'max' || op === 'argmax') ? v > acc : v < acc)))) { acc = v; best = k; }
      }
      out[o * inner + i] = op === 'argmax' || op === 'argmin' ? best : acc;
    }
  }
  return out;
}
