/**
 * The diagonal Fisher: one tensor per parameter, F_ii = E_n Σ_passes (G_n)_i² (EWC's importance).
 *
 * Accumulation, per slot, from G_n = Δ_nᵀ·Ã_n (per-sample.ts):
 *   Linear (L = 1): (G_n)_ok² = Δ_no²·Ã_nk², so Σ_n G_n² = (Δ²)ᵀ·(Ã²), one matmul of elementwise
 *     squares; and as Ã does not change between a minibatch's passes (the exact variant's C classes),
 *     Σ_c (Δ_c²)ᵀ·(Ã²) = (Σ_c Δ_c²)ᵀ·(Ã²): the squares are summed over passes and multiplied once.
 *   Conv2d (L > 1): G_n sums over positions before squaring, so the per-sample G_n [N, out, D] is formed
 *     (one batched matmul), squared and summed over n; likewise the 'batched' variant's one "sample".
 */
import { add, concat, div, matmul, mul, noGrad, reshape, square, sum, tidy, zeros, type Tensor } from '../../engine/index.js';
import type { Captured, LayerInputs } from './capture.js';
import { combine, FisherMatrix, total, type PVector } from './fisher-matrix.js';
import { columnsOf, diagonalMatrix, type Layout } from './layout.js';
import { accumulate, perSampleGradients, type FisherAccumulator } from './per-sample.js';

export class DiagFisher extends FisherMatrix {
  readonly representation = 'diag' as const;

  /** `diagonals`: one tensor per parameter, of its shape (owned by the matrix from now on). */
  constructor(layout: Layout, private diagonals: Tensor[], shift = 0) {
    super(layout, shift);
  }

  /** F's diagonal without the shift, one tensor per parameter (the matrix's own: do not dispose). */
  get diagonal(): readonly Tensor[] {
    return this.diagonals;
  }

  protected coreVTMv(v: PVector): Tensor {
    return total(v.map((t, i) => sum(mul(this.diagonals[i]!, square(t)))));
  }

  protected coreMv(v: PVector): Tensor[] {
    return v.map((t, i) => mul(this.diagonals[i]!, t));
  }

  protected coreSolve(v: PVector, damping: number): Tensor[] {
    return v.map((t, i) => div(t, add(this.diagonals[i]!, damping)));
  }

  protected coreTrace(): Tensor {
    return total(this.diagonals.map((d) => sum(d)));
  }

  protected coreFrobenius2(): Tensor {
    return total(this.diagonals.map((d) => sum(square(d))));
  }

  protected coreDense(): Tensor {
    return diagonalMatrix(concat(this.diagonals.map((d) => reshape(d, [d.size])), 0));
  }

  protected combined(a: number, other: FisherMatrix | null, b: number, shift: number): DiagFisher {
    const o = other as DiagFisher | null;
    return new DiagFisher(this.layout, this.diagonals.map((d, i) => combine(d, a, o?.diagonals[i] ?? null, b)), shift);
  }

  protected ownTensors(): Record<string, Tensor> {
    return Object.fromEntries(this.diagonals.map((d, i) => [`diag/${i}`, d]));
  }

  protected expectedTensors(): Record<string, readonly number[]> {
    return Object.fromEntries(this.layout.shapes.map((s, i) => [`diag/${i}`, s]));
  }

  protected load(tensors: Record<string, Tensor>): void {
    this.diagonals = this.layout.shapes.map((_, i) => tensors[`diag/${i}`]!);
  }

  protected freeTensors(): void {
    for (const d of this.diagonals) d.dispose();
    this.diagonals = [];
  }
}

export class DiagAccumulator implements FisherAccumulator {
  /** Per slot Σ G² [out, D]. */
  private readonly sums: (Tensor | null)[];
  /** Per Linear slot, Σ over the minibatch's passes of Δ² [N, out]. */
  private readonly pending: (Tensor | null)[];

  constructor(private readonly layout: Layout) {
    this.sums = layout.slots.map(() => null);
    this.pending = layout.slots.map(() => null);
  }

  add(pass: readonly (Captured | null)[]): void {
    tidy(() => noGrad(() => pass.forEach((c, i) => {
      if (!c) return;
      const [N, L, out] = c.d.shape as [number, number, number];
      if (L === 1) accumulate(this.pending, i, square(reshape(c.d, [N, out])));
      else accumulate(this.sums, i, sum(square(perSampleGradients(c)), 0));
    })));
  }

  endBatch(inputs: readonly (LayerInputs | null)[]): void {
    tidy(() => noGrad(() => this.pending.forEach((p, i) => {
      if (!p) return;
      const s = this.layout.slots[i]!, rows = inputs[i]!;
      const parts: Tensor[] = [];
      if (s.weight) parts.push(matmul(p, square(reshape(rows.x, [rows.N, s.K])), { transposeA: true })); // (Σ_c Δ_c²)ᵀ·X²
      if (s.bias) parts.push(reshape(sum(p, 0), [s.out, 1])); // the bias's input is 1: Σ_n Σ_c Δ_c²
      accumulate(this.sums, i, parts.length === 1 ? parts[0]! : concat(parts, 1));
      p.dispose();
      this.pending[i] = null;
    })));
  }

  finish(count: number): DiagFisher {
    const diagonals = this.layout.slots.flatMap((s, i) => tidy(() => noGrad(() => {
      const m = this.sums[i] ? mul(this.sums[i]!, 1 / count) : zeros([s.out, columnsOf(s)]);
      return this.layout.fromMatrix(m, i).map((t) => combine(t, 1, null, 0));
    })));
    return new DiagFisher(this.layout, diagonals);
  }

  dispose(): void {
    for (const list of [this.sums, this.pending]) list.forEach((t, i) => { t?.dispose(); list[i] = null; });
  }
}
