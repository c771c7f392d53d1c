/**
 * The part NullSpace and LowPlasticity share: the uncentered input covariance accumulated on the GPU
 * over every task (C += XᵀX, n += rows; never reset), and its checkpoint state (C and n).
 */
import { linalg, type Tensor } from '../../../engine/index.js';
import { checkRows, type CalculatorState, type PatchSource, type ProjectionCalculator } from './calculator.js';

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

  state(): CalculatorState {
    return {
      tensors: this.acc ? { covSum: this.acc.sum() } : {},
      record: { kind: this.kind, ...this.config(), count: this.acc?.count ?? 0 },
    };
  }

  loadState(state: CalculatorState): void {
    this.dispose();
    const sum = state.tensors.covSum;
    if (sum) this.acc = new linalg.CovarianceAccumulator(sum.shape[0]!).load(sum, Number(state.record.count));
  }

  dispose(): void {
    this.acc?.dispose();
    this.acc = null;
  }
}
