/** Float64 CPU reference for kernels/adam.wgsl.ts: one Adam step, PyTorch's formulas. */

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** Updates param, m and v in place; `t` counts steps from 1. */
export function adamReference(param: Float64Array, grad: ArrayLike<number>, state: { m: Float64Array; v: Float64Array; t: number }, h: AdamHyper): void {
  state.t++;
  const bc1 = 1 - h.beta1 ** state.t;
  const bc2 = 1 - h.beta2 ** state.t;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]! + h.weightDecay * param[i]!;
    state.m[i] = h.beta1 * state.m[i]! + (1 - h.beta1) * g;
    state.v[i] = h.beta2 * state.v[i]! + (1 - h.beta2) * g * g;
    const denom = Math.sqrt(state.v[i]!) / Math.sqrt(bc2) + h.eps;
    param[i] = param[i]! - (h.lr / bc1) * (state.m[i]! / denom);
  }
}
