/**
 * LowPlasticity (orthocl): P = I − U₊U₊ᵀ with U₊ every eigenvector of the accumulated input covariance
 * whose eigenvalue is nonzero: updates move only in the exact null space of all inputs seen so far.
 * "Nonzero" in float32 means λ > d·ε₃₂·λ_max (below that an eigenvalue is rounding noise).
 * Differs from the original on purpose: the original slices rows of the eigenvector matrix instead of
 * columns (REFERENCE.md §1).
 */
import { linalg, type Tensor } from '../../../engine/index.js';
import { checkRows, type CalculatorState, type ProjectionCalculator } from './calculator.js';
import { maskedProjector } from './spectral.js';

const EPS32 = 2 ** -23;

export class LowPlasticity implements ProjectionCalculator {
  readonly kind = 'LowPlasticity';
  private acc: linalg.CovarianceAccumulator | null = null;

  registerInput(rows: Tensor): void {
    const d = checkRows(this.kind, rows, this.acc?.d ?? null);
    this.acc ??= new linalg.CovarianceAccumulator(d);
    this.acc.add(rows);
  }

  async computeProjection(): Promise<Tensor> {
    if (!this.acc || this.acc.count === 0) {
      throw new Error('LowPlasticity.computeProjection: no inputs were registered; run forward passes inside projComputation()');
    }
    const cov = this.acc.value();
    const { values, vectors } = await linalg.eigh(cov);
    cov.dispose();
    const lambda = await values.data();
    const tol = lambda.length * EPS32 * Math.max(lambda[0]!, 0);
    const P = maskedProjector(vectors, Array.from(lambda, (l) => (l > tol ? 0 : 1)));
    values.dispose();
    vectors.dispose();
    return P;
  }

  state(): CalculatorState {
    return { tensors: this.acc ? { covSum: this.acc.sum() } : {}, record: { kind: this.kind, count: this.acc?.count ?? 0 } };
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
