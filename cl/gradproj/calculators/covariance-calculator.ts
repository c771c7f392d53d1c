/**
 * The part NullSpace and LowPlasticity share: the uncentered input covariance accumulated on the GPU
 * over every task (C += XᵀX, n += rows; never reset), its checkpoint state (C and n) and copies.
 */
import { linalg, type Tensor } from '../../../engine/index.js';
import { copyOf, type TensorLike } from '../../../nn/assign.js';
import { checkRows, type CalculatorState, type LoadableCalculatorState, type PatchSource, type ProjectionCalculator } from './calculator.js';

/** An accumulator holding a checkpointed sum C (a tensor or host array, copied) and row count n. */
function accumulatorFrom(sum: TensorLike, count: number): linalg.CovarianceAccumulator {
  const gpu = copyOf(sum);
  try {
    return new linalg.CovarianceAccumulator(sum.shape[0]!).load(gpu, count);
  } finally {
    gpu.dispose();
  }
}

export abstract class CovarianceCalculator implements ProjectionCalculator {
  abstract readonly kind: string;
  private acc: linalg.CovarianceAccumulator | null = null;

  registerInput(rows: Tensor): void {
    const d = checkRows(this.kind, rows, this.acc?.d ?? null);
    this.acc ??= new linalg.CovarianceAccumulator(d);
    this.acc.add(rows);
  }

  /** C += Σ p pᵀ over the patches of x, computed from x without the patch matrix. */
  registerPatches({ x, kernel, stride, padding }: PatchSource): void {
    const d = x.shape[1]! * kernel[0] * kernel[1];
    if (this.acc && this.acc.d !== d) throw new RangeError(`${this.kind}.registerPatches: patches have ${d} entries, this layer's calculator has seen ${this.acc.d}`);
    this.acc ??= new linalg.CovarianceAccumulator(d);
    this.acc.addPatches(x, kernel, { stride, padding });
  }

  /** Σ = C/n as a new tensor; throws when nothing was registered. */
  protected covariance(): Tensor {
    if (!this.acc || this.acc.count === 0) {
      throw new Error(`${this.kind}.computeProjection: no inputs were registered; run forward passes inside projComputation()`);
    }
    return this.acc.value();
  }

  abstract computeProjection(): Promise<Tensor>;

  /** Hyperparameters for the checkpoint record. */
  protected abstract config(): Record<string, unknown>;

  /** A calculator of the same kind and hyperparameters that has seen nothing. */
  protected abstract blank(): CovarianceCalculator;

  clone(): CovarianceCalculator {
    const copy = this.blank();
    copy.acc = this.acc?.clone() ?? null;
    return copy;
  }

  state(): CalculatorState {
    return {
      tensors: this.acc ? { covSum: this.acc.sum() } : {},
      record: { kind: this.kind, ...this.config(), count: this.acc?.count ?? 0 },
    };
  }

  loadState(state: LoadableCalculatorState): void {
    const sum = state.tensors.covSum;
    const acc = sum ? accumulatorFrom(sum, Number(state.record.count)) : null;
    this.dispose();
    this.acc = acc;
  }

  dispose(): void {
    this.acc?.dispose();
    this.acc = null;
  }
}
