/**
 * Separate-mode EWC with diagonal Fishers as one quadratic per parameter, so that the penalty's cost per
 * step does not grow with the number of finished tasks. With F_k = diag_k + s_k (the Fisher's diagonal and
 * its shift, e.g. a prior's 1/σ²):
 *   Σ_k F_k ⊙ (θ − θ*_k)² = A ⊙ (θ − μ)² + c,   A = Σ_k F_k,   μ = (Σ_k F_k ⊙ θ*_k) / A  (0 where A = 0),
 *                                              c = Σ (Σ_k F_k ⊙ θ*_k² − A ⊙ μ²)   (a constant: no gradient)
 * The same value (to rounding) and the same gradient 2A ⊙ (θ − μ) as the sum over tasks (test/cl/ewc.test.ts
 * compares both with float64; μ taken as the moment without dividing by A fails it).
 */
import { add, div, keep, mul, noGrad, square, sub, sum, tidy, where, zerosLike, eq, type Tensor } from '../../engine/index.js';
import type { DiagFisher } from '../fisher/diag.js';
import { total } from '../fisher/fisher-matrix.js';

export interface MergedDiagonal {
  weight: Tensor[];
  center: Tensor[];
  constant: Tensor;
}

export function mergeDiagonal(tasks: readonly { fisher: DiagFisher; theta: readonly Tensor[] }[]): MergedDiagonal {
  return noGrad(() => tidy(() => {
    const n = tasks[0]!.theta.length;
    const weight: Tensor[] = [], center: Tensor[] = [], constants: Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const F = (k: number) => add(tasks[k]!.fisher.diagonal[i]!, tasks[k]!.fisher.shift);
      const A = sumOverTasks(tasks.length, F);
      const moment = sumOverTasks(tasks.length, (k) => mul(F(k), tasks[k]!.theta[i]!));
      const mu = where(eq(A, 0), zerosLike(A), div(moment, A));
      const second = sumOverTasks(tasks.length, (k) => mul(F(k), square(tasks[k]!.theta[i]!)));
      weight.push(A);
      center.push(mu);
      constants.push(sum(sub(second, mul(A, square(mu)))));
    }
    return { weight, center, constant: total(constants) };
  }));
}

/**
 * Σ_{k<n} term(k), added left to right (the order of a reduce over the tasks), each term's temporaries
 * freed before the next: a merge holds O(1) tensors per parameter, not O(tasks) (issue #16: 20 tasks grew
 * the buffer pool by 7 model copies a task, test/reliability/memory-per-method.test.ts).
 */
function sumOverTasks(n: number, term: (k: number) => Tensor): Tensor {
  let acc = tidy(() => term(0));
  for (let k = 1; k < n; k++) {
    const next = tidy(() => add(acc, term(k)));
    acc.dispose();
    acc = next;
  }
  return acc;
}

/** Σ_p sum(A_p ⊙ (θ_p − μ_p)²) + c, differentiable in θ. */
export function mergedValue(m: MergedDiagonal, params: readonly Tensor[]): Tensor {
  return add(total(params.map((p, i) => sum(mul(m.weight[i]!, square(sub(p, m.center[i]!)))))), m.constant);
}

export function keepMerged(m: MergedDiagonal): MergedDiagonal {
  for (const t of [...m.weight, ...m.center, m.constant]) keep(t);
  return m;
}

export function disposeMerged(m: MergedDiagonal | null): void {
  if (m) for (const t of [...m.weight, ...m.center, m.constant]) t.dispose();
}
