/**
 * Dense blocks: 'blockdiag' (one block per layer, d × d with d = out·D, cross-layer terms dropped) and
 * 'dense' (one block over every covered parameter, P × P). A block is B = E_n Σ_passes g_n g_nᵀ with
 * g_n the sample's gradient in the block's flat order (layout.ts), summed as Σ rowsᵀ·rows by the
 * covariance kernel (CovarianceAccumulator: symmetric by construction, deterministic). For small layers
 * and models: a block has at most 4,096 rows.
 *
 *   vᵀBv = Σ (uᵀB)⊙u,  Bv = B·u,  (B + rI)⁻¹u = U·((Uᵀu) ⊘ (λ + r))  with B = U·diag(λ)·Uᵀ (eigh, once).
 */
import { add, concat, div, keep, linalg, matmul, mul, noGrad, reshape, square, sum, tidy, zeros, type Tensor } from '../../engine/index.js';
import { CovarianceAccumulator } from '../../engine/linalg/covariance-accumulator.js';
import type { Captured } from './capture.js';
import { combine, FisherMatrix, total, type PVector } from './fisher-matrix.js';
import { blockDiagonal, diagonal, sizeOf, type Layout } from './layout.js';
import { perSampleGradients, type FisherAccumulator } from './per-sample.js';

/** The slots of each block: one per slot ('blockdiag') or all together ('dense'). */
export function groupsOf(representation: 'blockdiag' | 'dense', layout: Layout): number[][] {
  const all = layout.slots.map((_, i) => i);
  return representation === 'dense' ? [all] : all.map((i) => [i]);
}

const groupSize = (layout: Layout, group: readonly number[]): number => group.reduce((n, i) => n + sizeOf(layout.slots[i]!), 0);

/** Throws before any work when a block would exceed the size limit. */
export function checkBlocks(op: string, representation: 'blockdiag' | 'dense', layout: Layout): void {
  for (const g of groupsOf(representation, layout)) {
    const what = representation === 'dense' ? 'the dense Fisher' : `the block of layer '${layout.slots[g[0]!]!.name}'`;
    layout.checkDense(op, groupSize(layout, g), what);
  }
}

export class BlockFisher extends FisherMatrix {
  private readonly groups: number[][];
  private eig: { U: Tensor; lambda: Tensor }[] | null = null;

  /** `blocks`: one [d, d] tensor per group (owned by the matrix from now on). */
  constructor(layout: Layout, readonly representation: 'blockdiag' | 'dense', private blocks: Tensor[], shift = 0) {
    super(layout, shift);
    this.groups = groupsOf(representation, layout);
  }

  protected coreVTMv(v: PVector): Tensor {
    return total(this.groups.map((g, k) => {
      const u = reshape(this.layout.flat(v, g), [1, -1]);
      return sum(mul(matmul(u, this.blocks[k]!), u));
    }));
  }

  protected coreMv(v: PVector): Tensor[] {
    return this.groups.flatMap((g, k) => {
      const u = reshape(this.layout.flat(v, g), [-1, 1]);
      return this.layout.unflat(reshape(matmul(this.blocks[k]!, u), [-1]), g);
    });
  }

  protected override async prepareSolve(): Promise<void> {
    if (this.eig) return;
    const eig = [];
    for (const B of this.blocks) {
      const { values, vectors } = await linalg.eigh(B);
      eig.push({ U: keep(vectors), lambda: keep(values) });
    }
    this.eig = eig;
  }

  protected coreSolve(v: PVector, damping: number): Tensor[] {
    return this.groups.flatMap((g, k) => {
      const { U, lambda } = this.eig![k]!;
      const u = reshape(this.layout.flat(v, g), [-1, 1]);
      const coef = div(matmul(U, u, { transposeA: true }), reshape(add(lambda, damping), [-1, 1]));
      return this.layout.unflat(reshape(matmul(U, coef), [-1]), g);
    });
  }

  protected coreTrace(): Tensor {
    return total(this.blocks.map((B) => sum(diagonal(B))));
  }

  protected coreFrobenius2(): Tensor {
    return total(this.blocks.map((B) => sum(square(B))));
  }

  protected coreDense(): Tensor {
    return blockDiagonal(this.blocks);
  }

  protected combined(a: number, other: FisherMatrix | null, b: number, shift: number): BlockFisher {
    const o = other as BlockFisher | null;
    return new BlockFisher(this.layout, this.representation, this.blocks.map((B, k) => combine(B, a, o?.blocks[k] ?? null, b)), shift);
  }

  protected ownTensors(): Record<string, Tensor> {
    return Object.fromEntries(this.blocks.map((B, k) => [`block/${k}`, B]));
  }

  protected expectedTensors(): Record<string, readonly number[]> {
    return Object.fromEntries(this.groups.map((g, k) => {
      const d = groupSize(this.layout, g);
      return [`block/${k}`, [d, d]];
    }));
  }

  protected load(tensors: Record<string, Tensor>): void {
    this.blocks = this.groups.map((_, k) => tensors[`block/${k}`]!);
  }

  protected freeTensors(): void {
    for (const B of this.blocks) B.dispose();
    for (const e of this.eig ?? []) { e.U.dispose(); e.lambda.dispose(); }
    this.blocks = [];
    this.eig = null;
  }
}

/**
 * The rows g_n [N, d] of one pass's per-sample gradients over a group of slots, side by side in the
 * layout's flat order (zeros where a layer took no part; null when none did).
 */
export function gradientRows(layout: Layout, group: readonly number[], pass: readonly (Captured | null)[]): Tensor | null {
  const N = group.map((i) => pass[i]?.a.shape[0]).find((n) => n !== undefined);
  if (N === undefined) return null;
  const rows = group.map((i) => {
    const c = pass[i];
    return c ? layout.flatFromMatrix(perSampleGradients(c), i) : zeros([N, sizeOf(layout.slots[i]!)]);
  });
  return rows.length === 1 ? rows[0]! : concat(rows, 1);
}

export class BlockAccumulator implements FisherAccumulator {
  private readonly groups: number[][];
  private readonly sums: CovarianceAccumulator[];

  constructor(private readonly layout: Layout, private readonly representation: 'blockdiag' | 'dense') {
    this.groups = groupsOf(representation, layout);
    this.sums = this.groups.map((g) => new CovarianceAccumulator(groupSize(layout, g)));
  }

  add(pass: readonly (Captured | null)[]): void {
    tidy(() => noGrad(() => this.groups.forEach((g, k) => {
      const rows = gradientRows(this.layout, g, pass);
      if (rows) this.sums[k]!.add(rows);
    })));
  }

  finish(count: number): BlockFisher {
    const blocks = this.sums.map((acc) => keep(tidy(() => noGrad(() => mul(acc.sum(), 1 / count)))));
    return new BlockFisher(this.layout, this.representation, blocks);
  }

  dispose(): void {
    for (const acc of this.sums) acc.dispose();
  }
}
