/** Float64 CPU references for kernels/cross-entropy.wgsl.ts (logits [N, C], labels [N], mask [C]). */

function rowStats(x: ArrayLike<number>, row: number, C: number, active: (c: number) => boolean): { m: number; s: number } {
  let m = -Infinity, s = 0;
  for (let c = 0; c < C; c++) if (active(c)) m = Math.max(m, x[row + c]!);
  for (let c = 0; c < C; c++) if (active(c)) s += Math.exp(x[row + c]! - m);
  return { m, s };
}

const activeOf = (mask: ArrayLike<number> | undefined) => (c: number) => !mask || mask[c] !== 0;
const valid = (y: number, C: number, active: (c: number) => boolean) => Number.isInteger(y) && y >= 0 && y < C && active(y);

/** Per-row loss lse_n − x[n, y_n] over the active classes; NaN for an invalid label. */
export function crossEntropyReference(x: ArrayLike<number>, labels: ArrayLike<number>, N: number, C: number, mask?: ArrayLike<number>): Float64Array {
  const active = activeOf(mask);
  return Float64Array.from({ length: N }, (_, n) => {
    const y = labels[n]!;
    if (!valid(y, C, active)) return NaN;
    const { m, s } = rowStats(x, n * C, C, active);
    return m + Math.log(s) - x[n * C + y]!;
  });
}

/** d(Σ_n g_n·loss_n)/dx: g_n·(softmax − onehot) on active classes, 0 elsewhere, NaN rows for invalid labels. */
export function crossEntropyBackwardReference(x: ArrayLike<number>, labels: ArrayLike<number>, g: ArrayLike<number>, N: number, C: number, mask?: ArrayLike<number>): Float64Array {
  const active = activeOf(mask);
  const dx = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    const y = labels[n]!;
    const { m, s } = rowStats(x, n * C, C, active);
    for (let c = 0; c < C; c++) {
      if (!valid(y, C, active)) dx[n * C + c] = NaN;
      else dx[n * C + c] = active(c) ? g[n]! * (Math.exp(x[n * C + c]! - m) / s - (c === y ? 1 : 0)) : 0;
    }
  }
  return dx;
}

