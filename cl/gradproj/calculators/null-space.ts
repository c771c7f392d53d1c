/**
 * NullSpace calculator (Wang et al., "Training Networks in Null Space of Feature Covariance for
 * Continual Learning", CVPR 2021; orthocl's NullSpace). The uncentered input covariance is
 * accumulated over all tasks, C += XᵀX, n += rows (never reset); Σ = C/n = VΛVᵀ.
 *   default (a ≤ 1): keep the leading eigenvectors explaining at least 1 − R of Σλ, at least one
 *                    direction stays free; P = U_null·U_nullᵀ over the rest.
 *   a > 1 (Adam-NSCL mode): null space = eigenvectors with λ ≤ a·λ_min.
 * The state (C and n) makes checkpoints exact; P is recomputed from it. In default mode P = I − ÛÛᵀ
 * with Û the kept eigenvectors (columns normalised), which complementBasis() hands out.
 */
import { checkNumber } from '../../../engine/check.js';
import { clone, keep, linalg, noGrad, type Tensor } from '../../../engine/index.js';
import { copyOf } from '../../../nn/assign.js';
import type { LoadableCalculatorState } from './calculator.js';
import { CovarianceCalculator } from './covariance-calculator.js';
import { complementProjector, energyCut, normalizeColumns, spectralProjector } from './spectral.js';

export interface NullSpaceOptions {
  /** Share of the covariance's energy left to the free directions (default 0.05). */
  R?: number;
  /** > 1 selects the Adam-NSCL rule λ ≤ a·λ_min (default −1: off). */
  a?: number;
}

export class NullSpace extends CovarianceCalculator {
  readonly kind = 'NullSpace';
  readonly R: number;
  readonly a: number;
  /** Û of the last projector when it is I − Û·Ûᵀ (default mode), for complementBasis(). */
  private keptBasis: Tensor | null = null;

  constructor(opts: NullSpaceOptions = {}) {
    super();
    this.R = opts.R ?? 0.05;
    this.a = opts.a ?? -1;
    checkNumber('NullSpace', 'R', this.R, { min: 0, max: 1, minOpen: true, maxOpen: true });
    checkNumber('NullSpace', 'a', this.a);
  }

  /** Number of leading eigenvectors kept out of the update space, from Σ's eigenvalues (descending). */
  kept(values: ArrayLike<number>): number {
    const d = values.length;
    if (this.a > 1) {
      const cut = this.a * values[d - 1]!;
      let free = 0;
      for (let i = d - 1; i >= 0 && values[i]! <= cut; i--) free++;
      return d - free;
    }
    return Math.min(energyCut(values, 1 - this.R), d - 1);
  }

  async computeProjection(): Promise<Tensor> {
    const cov = this.covariance();
    this.dropKept();
    try {
      // Default mode needs only the leading eigenvectors (those explaining 1 − R): P = I − U_k·U_kᵀ.
      if (this.a <= 1) {
        const top = await linalg.eighEnergy(cov, 1 - this.R);
        const k = top.values.shape[0]!;
        top.values.dispose();
        if (k < cov.shape[0]! - 1) this.keptBasis = keep(normalizeColumns(top.vectors));
        top.vectors.dispose();
        if (this.keptBasis) return complementProjector(this.keptBasis);
      }
      // a-mode (needs λ_min), or the leading vectors fill all but one direction: full decomposition.
      return await spectralProjector(cov, (lambda) => {
        const k = this.kept(lambda);
        return Array.from(lambda, (_, j) => (j >= k ? 1 : 0));
      });
    } finally {
      cov.dispose();
    }
  }

  complementBasis(): Tensor | null {
    return this.keptBasis && keep(noGrad(() => clone(this.keptBasis!)));
  }

  private dropKept(): void {
    this.keptBasis?.dispose();
    this.keptBasis = null;
  }

  override loadState(state: LoadableCalculatorState): void {
    this.dropKept();
    super.loadState(state);
  }

  override dispose(): void {
    this.dropKept();
    super.dispose();
  }

  protected config(): Record<string, unknown> {
    return { R: this.R, a: this.a };
  }

  protected blank(): NullSpace {
    return new NullSpace({ R: this.R, a: this.a });
  }

  override clone(): NullSpace {
    const copy = super.clone() as NullSpace;
    copy.keptBasis = this.keptBasis && copyOf(this.keptBasis);
    return copy;
  }
}
