/**
 * LowPlasticity (orthocl): P = I − U₊U₊ᵀ with U₊ every eigenvector of the accumulated input covariance
 * whose eigenvalue is nonzero: updates move only in the exact null space of all inputs seen so far.
 * "Nonzero" in float32 means λ > d·ε₃₂·λ_max (below that an eigenvalue is rounding noise).
 * Differs from the original on purpose: the original slices rows of the eigenvector matrix instead of
 * columns (REFERENCE.md §1).
 */
import type { Tensor } from '../../../engine/index.js';
import { CovarianceCalculator } from './covariance-calculator.js';
import { spectralProjector } from './spectral.js';

const EPS32 = 2 ** -23;

export class LowPlasticity extends CovarianceCalculator {
  readonly kind = 'LowPlasticity';

  async computeProjection(): Promise<Tensor> {
    const cov = this.covariance();
    try {
      return await spectralProjector(cov, (lambda) => {
        const tol = lambda.length * EPS32 * Math.max(lambda[0]!, 0);
        return Array.from(lambda, (l) => (l > tol ? 0 : 1));
      });
    } finally {
      cov.dispose();
    }
  }

  protected config(): Record<string, unknown> {
    return {};
  }

  protected blank(): LowPlasticity {
    return new LowPlasticity();
  }
}
