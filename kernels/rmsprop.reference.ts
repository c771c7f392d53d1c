/** Float64 CPU reference for kernels/rmsprop.wgsl.ts: one RMSprop step, PyTorch's formulas. */

export interface RmspropHyper {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
}

/** Updates param, s (square average) and b (momentum buffer) in place; both start at zero. */
export function rmspropReference(param: Float64Array, grad: ArrayLike<number>, state: { s: Float64Array; b: Float64Array }, h: RmspropHyper): void {
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]! + h.weightDecay * param[i]!;
    state.s[i] = h.alpha * state.s[i]! + (1 - h.alpha) * g * g;
    const avg = Math.sqrt(state.s[i]!) + h.eps;
    if (h.momentum > 0) {
      state.b[i] = h.momentum * state.b[i]! + g / avg;
      param[i] = param[i]! - h.lr * state.b[i]!;
    } else {
      param[i] = param[i]! - h.lr * (g / avg);
    }
  }
}
