/**
 * GPM: Gradient Projection Memory (Saha, Garg & Roy, ICLR 2021), as a calculator. A basis M [d, k] of
 * the input space of earlier tasks is kept; gradients move in its orthogonal complement,
 * P = I − MMᵀ (the paper's G ← G − G·MMᵀ written as G·P).
 *
 * At the end of each task, with X the task's input rows and C = XᵀX (accumulated on the GPU):
 *   total = tr C = ‖X‖²_F;  residual Ĉ = (I − MMᵀ) C (I − MMᵀ) = R̂ᵀR̂ for R̂ = X(I − MMᵀ);
 *   Ĉ = V Λ̂ Vᵀ (λ̂ᵢ = σᵢ² of R̂), ε = threshold(task) (default 1 − R).
 *   first task (official rule): r = #{ i : Σ_{j≤i} λ̂ⱼ / total < ε }
 *   later tasks: starting from (total − Σλ̂)/total, add λ̂ᵢ/total until it reaches ε; r = count.
 *   M ← [M, V[:, :r]], capped at d columns.
 * Differs from orthocl on purpose: orthocl adds one vector too few on later tasks (it stops before
 * the vector that reaches the threshold). Rows: all of the task's rows by default (the covariance is
 * exact and cheap on the GPU); the paper samples a few hundred examples, which `maxSamples` imitates by
 * registering at most `maxSamples` rows per task (the first ones seen; shuffle the data to sample).
 */
import { checkNumber } from '../../../engine/check.js';
import { clone, concat, eye, keep, linalg, matmul, mul, noGrad, slice, sub, sum, tidy, type Tensor } from '../../../engine/index.js';
import { copyOf } from '../../../nn/assign.js';
import { checkRows, type CalculatorState, type LoadableCalculatorState, type ProjectionCalculator } from './calculator.js';
import { normalizeColumns } from './spectral.js';

export interface GPMOptions {
  /** Energy left unexplained: ε = 1 − R (default 0.05). Ignored when `thresholds` is given. */
  R?: number;
  /**
   * ε per task: a constant, a list indexed by task (the last entry repeats), or a function of the
   * 0-based task index, e.g. the paper's CIFAR schedule (t) => 0.97 + 0.003·t. Per-layer schedules
   * (PMNIST: [0.95, 0.99, 0.99]) come from giving each layer its own GPM.
   */
  thresholds?: number | readonly number[] | ((task: number) => number);
  /** Input rows registered per task at most (default: all). */
  maxSamples?: number;
}

export class GPM implements ProjectionCalculator {
  readonly kind = 'GPM';
  readonly R: number;
  private readonly threshold: (task: number) => number;
  readonly maxSamples: number;
  private acc: linalg.CovarianceAccumulator | null = null;
  private basisM: Tensor | null = null;
  private dim: number | null = null;
  /** Tasks whose inputs went into the basis. */
  task = 0;

  constructor(opts: GPMOptions = {}) {
    this.R = opts.R ?? 0.05;
    checkNumber('GPM', 'R', this.R, { min: 0, max: 1, minOpen: true, maxOpen: true });
    const t = opts.thresholds;
    this.threshold = typeof t === 'function' ? t
      : Array.isArray(t) ? (task) => t[Math.min(task, t.length - 1)]!
      : () => (t as number | undefined) ?? 1 - this.R;
    this.maxSamples = opts.maxSamples ?? Infinity;
    checkNumber('GPM', 'maxSamples', this.maxSamples, { min: 0, minOpen: true, infinite: true });
  }

  /** The basis M [d, k] (null before the first task). */
  get basis(): Tensor | null {
    return this.basisM;
  }

  registerInput(rows: Tensor): void {
    this.dim = checkRows(this.kind, rows, this.dim);
    this.acc ??= new linalg.CovarianceAccumulator(this.dim);
    const room = this.maxSamples - this.acc.count;
    if (room <= 0) return;
    if (rows.shape[0]! <= room) this.acc.add(rows);
    else tidy(() => this.acc!.add(slice(rows, 0, 0, room)));
  }

  /** How many new basis vectors the residual spectrum λ̂ (descending) earns, before the cap. */
  newVectors(residual: ArrayLike<number>, total: number, first: boolean): number {
    const eps = this.threshold(this.task);
    if (!(eps > 0 && eps <= 1)) throw new RangeError(`GPM: threshold for task ${this.task} must be in (0, 1], got ${eps}`);
    if (!(total > 0)) return 0;
    let r = 0;
    if (first) {
      let acc = 0;
      while (r < residual.length && (acc += Math.max(residual[r]!, 0)) / total < eps) r++;
      return r;
    }
    let explained = total;
    for (let i = 0; i < residual.length; i++) explained -= Math.max(residual[i]!, 0);
    let ratio = explained / total;
    while (r < residual.length && ratio < eps) { ratio += Math.max(residual[r]!, 0) / total; r++; }
    return r;
  }

  async computeProjection(): Promise<Tensor> {
    if (!this.acc || this.acc.count === 0 || this.dim === null) {
      throw new Error('GPM.computeProjection: no inputs were registered; run forward passes inside projComputation()');
    }
    const d = this.dim;
    const C = this.acc.sum();
    const M = this.basisM;
    const Q = M ? noGrad(() => tidy(() => keep(sub(eye(d), matmul(M, M, { transposeB: true }))))) : null;
    const [residual, totalT] = tidy(() => [
      Q ? keep(matmul(matmul(Q, C), Q)) : keep(C),
      keep(sum(mul(C, eye(d)))),
    ]);
    const total = await totalT.item();
    totalT.dispose();
    const { values, vectors } = await linalg.eigh(residual);
    if (residual !== C) residual.dispose();
    C.dispose();
    Q?.dispose();
    const lambda = await values.data();
    const k = M?.shape[1] ?? 0;
    // The first-task rule on task 0 only, as GPM's code decides by the task index: a first task that kept
    // nothing (one direction holding ≥ ε of its energy, e.g. rank-1 inputs) must not make every later
    // task "first" again, which would keep nothing for ever.
    const r = Math.min(this.newVectors(lambda, total, this.task === 0), d - k);
    if (r > 0) {
      const fresh = tidy(() => normalizeColumns(slice(vectors, 1, 0, r)));
      const grown = M ? tidy(() => concat([M, fresh], 1)) : fresh;
      if (M) { M.dispose(); fresh.dispose(); }
      this.basisM = keep(grown);
    }
    values.dispose();
    vectors.dispose();
    this.acc.reset();
    this.task++;
    return this.projector();
  }

  /** P = I − MMᵀ (I before any basis). */
  projector(): Tensor {
    const d = this.dim!;
    const M = this.basisM;
    return keep(tidy(() => (M ? sub(eye(d), matmul(M, M, { transposeB: true })) : eye(d))));
  }

  /** M (P = I − MMᵀ), as a copy; null before the first basis. */
  complementBasis(): Tensor | null {
    return this.basisM && keep(noGrad(() => clone(this.basisM!)));
  }

  /** An independent copy: the same thresholds, basis, counters and this task's rows so far. */
  clone(): GPM {
    const copy = new GPM({ R: this.R, thresholds: this.threshold, maxSamples: this.maxSamples });
    copy.acc = this.acc?.clone() ?? null;
    copy.basisM = this.basisM && copyOf(this.basisM);
    copy.dim = this.dim;
    copy.task = this.task;
    return copy;
  }

  /** The checkpoint state: the basis (this calculator's own tensor; loadState copies it) and counters. */
  state(): CalculatorState {
    return {
      tensors: this.basisM ? { basis: this.basisM } : {},
      record: { kind: this.kind, R: this.R, maxSamples: Number.isFinite(this.maxSamples) ? this.maxSamples : null, task: this.task, dim: this.dim },
    };
  }

  loadState(state: LoadableCalculatorState): void {
    const basis = state.tensors.basis ? copyOf(state.tensors.basis) : null;
    this.dispose();
    this.basisM = basis;
    this.task = Number(state.record.task ?? 0);
    this.dim = state.record.dim === null || state.record.dim === undefined ? null : Number(state.record.dim);
  }

  dispose(): void {
    this.acc?.dispose();
    this.acc = null;
    this.basisM?.dispose();
    this.basisM = null;
  }
}
