/** Float64 CPU reference for kernels/sgd.wgsl.ts: one SGD step, PyTorch's formulas. */

export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Updates param and state.buf in place (buf null before the first step). */
export function sgdReference(param: Float64Array, grad: ArrayLike<number>, state: { buf: Float64Array | null }, h: SgdHyper): void {
  const first = state.buf === null;
  const buf = state.buf ?? new Float64Array(param.length);
  for (let i = 0; i < param.length; i++) {
    let g = grad[i]! + h.weightDecay * param[i]!;
    if (h.momentum !== 0) {
      buf[i] = first ? g : h.momentum * buf[i]! + (1 - h.dampening) * g;
      g = h.nesterov ? g + h.momentum * buf[i]! : buf[i]!;
    }
    param[i] = param[i]! - h.lr * g;
  }
  if (h.momentum !== 0) state.buf = buf;
}
