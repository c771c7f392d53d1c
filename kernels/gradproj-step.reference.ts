/**
 * Float64 reference of one gradient-projection step (kernels/gradproj-step.wgsl.ts plus the matmul by
 * P between its two kernels), straight from orthocl's GradProjLayer._step (REFERENCE.md §1) with the
 * per-task step counter fixed and D summing lr·a (so an lr schedule moves θ by each step's lr; see
 * the kernel's header). θ, g are [out, d] row-major; P is [d, d] or null (first task/disabled).
 */
export type StepRuleRef = 'sgd' | 'adam' | 'rms';

export interface StepStateRef {
  theta: Float64Array;
  theta0: Float64Array;
  /** Post-projection: the running displacement D = Σ lr·a (θ = θ₀ − D·P). */
  acc: Float64Array;
  /** Classic: the previous step (momentum). */
  prev: Float64Array;
  m1: Float64Array;
  m2: Float64Array;
  t: number;
}

export interface StepOptionsRef {
  rule: StepRuleRef;
  post: boolean;
  twoProj: boolean;
  lr: number;
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** X·P for X [out, d]. */
export function timesP(x: ArrayLike<number>, P: ArrayLike<number>, out: number, d: number): Float64Array {
  const y = new Float64Array(out * d);
  for (let r = 0; r < out; r++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[r * d + k]! * P[k * d + j]!;
    y[r * d + j] = s;
  }
  return y;
}

export function gradProjStepReference(s: StepStateRef, g: ArrayLike<number>, P: ArrayLike<number> | null, out: number, d: number, o: StepOptionsRef): void {
  s.t += 1;
  const gg = P && o.twoProj ? timesP(g, P, out, d) : Float64Array.from(g);
  const a = new Float64Array(gg.length);
  const c1 = 1 / (1 - o.beta1 ** s.t), c2 = 1 / (1 - o.beta2 ** s.t);
  for (let i = 0; i < a.length; i++) {
    const gi = gg[i]!;
    if (o.rule === 'sgd') a[i] = gi;
    else if (o.rule === 'adam') {
      s.m1[i] = o.beta1 * s.m1[i]! + (1 - o.beta1) * gi;
      s.m2[i] = o.beta2 * s.m2[i]! + (1 - o.beta2) * gi * gi;
      a[i] = (s.m1[i]! * c1) / (Math.sqrt(s.m2[i]! * c2) + o.eps);
    } else {
      s.m2[i] = s.t === 1 ? gi * gi : o.beta2 * s.m2[i]! + (1 - o.beta2) * gi * gi;
      a[i] = gi / (Math.sqrt(s.m2[i]!) + o.eps);
    }
  }
  if (o.post) {
    for (let i = 0; i < a.length; i++) s.acc[i] += o.lr * a[i]!;
    const x = P ? timesP(s.acc, P, out, d) : s.acc;
    for (let i = 0; i < a.length; i++) s.theta[i] = s.theta0[i]! - x[i]!;
  } else {
    const x = P ? timesP(a, P, out, d) : a;
    for (let i = 0; i < a.length; i++) {
      const step = -o.lr * x[i]! + o.momentum * s.prev[i]!;
      s.prev[i] = step;
      s.theta[i] += step;
    }
  }
}

/**
 * After θ was written from elsewhere: θ₀ ← θ + D·P (θ + D without P), so θ = θ₀ − D·P holds again
 * and the next post-projected step moves θ from where it is.
 */
export function rebaseReference(s: StepStateRef, P: ArrayLike<number> | null, out: number, d: number): void {
  const x = P ? timesP(s.acc, P, out, d) : s.acc;
  for (let i = 0; i < s.theta.length; i++) s.theta0[i] = s.theta[i]! + x[i]!;
}
