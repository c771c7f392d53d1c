/**
 * KFAC (Martens & Grosse 2015; convolutions: KFC, Grosse & Martens 2016) with nngeometry's conventions:
 * per slot F ≈ A ⊗ G (F·vec V = vec(G·V·A)) with
 *   A = (1/N) Σ_n Σ_l ã_nl ã_nlᵀ                 [D, D]      input rows, a 1 appended for the bias
 *                                                            (Conv2d: every patch, summed over positions);
 *   G = (1/N) Σ_n (1/L) Σ_l Σ_passes δ_nl δ_nlᵀ   [out, out]  output gradients (Conv2d: averaged over
 *                                                            the L positions; exact: Σ over the C passes);
 * both summed by the covariance kernel. The factorisation is exact for a Linear layer and one sample:
 * then A ⊗ G = Σ_c (ã ãᵀ) ⊗ (δ_c δ_cᵀ) is that sample's block. For V = [W | b] of a vector:
 *   vᵀFv = tr(Vᵀ·G·V·A) = Σ (G·V·A) ⊙ V   (A ⊗ G never formed),     F·v = G·V·A,
 *   (A ⊗ G + rI)⁻¹v = U_G·[(U_Gᵀ·V·U_A) ⊘ (λ_G·λ_Aᵀ + r)]·U_Aᵀ    (A = U_A Λ_A U_Aᵀ, G likewise; eigh once),
 *   tr F = tr A·tr G,   ‖F‖²_F = ‖A‖²_F·‖G‖²_F.
 * A sum of KFAC matrices (add(): online EWC's γF + F_new) keeps every term's factors, Σ_t A_t ⊗ G_t per
 * slot: exact for every operation but solve(), which needs a single Kronecker product per slot. The
 * 'batched' variant has no Kronecker form (a minibatch's gradient is a sum of outer products): an error.
 */
import { gather, keep, linalg, matmul, mul, noGrad, reshape, sum, tensor, tidy, zeros, add, div, type Tensor } from '../../engine/index.js';
import { CovarianceAccumulator } from '../../engine/linalg/covariance-accumulator.js';
import type { Captured } from './capture.js';
import { combine, FisherMatrix, total, type FisherRecord, type PVector } from './fisher-matrix.js';
import { blockDiagonal, columnsOf, diagonal, type Layout } from './layout.js';
import type { FisherAccumulator } from './per-sample.js';

/** One Kronecker term of a slot. */
interface Term {
  A: Tensor;
  G: Tensor;
}

export class KFACFisher extends FisherMatrix {
  readonly representation = 'kfac' as const;
  private eig: { UA: Tensor; lA: Tensor; UG: Tensor; lG: Tensor }[] | null = null;

  /** `terms[slot]`: that slot's Kronecker terms, the same number for every slot (owned from now on). */
  constructor(layout: Layout, private terms: Term[][], shift = 0) {
    super(layout, shift);
  }

  /** The factors (A, G) of each slot's terms (the matrix's own: do not dispose). */
  get factors(): readonly (readonly Readonly<Term>[])[] {
    return this.terms;
  }

  protected coreVTMv(v: PVector): Tensor {
    return total(this.terms.flatMap((ts, i) => {
      const V = this.layout.matrix(v, i);
      return ts.map(({ A, G }) => sum(mul(matmul(matmul(G, V), A), V)));
    }));
  }

  protected coreMv(v: PVector): Tensor[] {
    return this.terms.flatMap((ts, i) => {
      const V = this.layout.matrix(v, i);
      return this.layout.fromMatrix(total(ts.map(({ A, G }) => matmul(matmul(G, V), A))), i);
    });
  }

  protected override async prepareSolve(): Promise<void> {
    if (this.eig) return;
    const many = this.terms.findIndex((ts) => ts.length !== 1);
    if (many >= 0) {
      throw new RangeError(`KFACFisher.solve: layer '${this.layout.slots[many]!.name}' holds a sum of ${this.terms[many]!.length} Kronecker products (from add()); solve needs exactly one per layer`);
    }
    const eig = [];
    for (const [{ A, G }] of this.terms as [Term][]) {
      const a = await linalg.eigh(A);
      const g = await linalg.eigh(G);
      eig.push({ UA: keep(a.vectors), lA: keep(a.values), UG: keep(g.vectors), lG: keep(g.values) });
    }
    this.eig = eig;
  }

  protected coreSolve(v: PVector, damping: number): Tensor[] {
    return this.eig!.flatMap(({ UA, lA, UG, lG }, i) => {
      const V = this.layout.matrix(v, i);
      const inBasis = matmul(matmul(UG, V, { transposeA: true }), UA);
      const scaled = div(inBasis, add(matmul(reshape(lG, [-1, 1]), reshape(lA, [1, -1])), damping));
      return this.layout.fromMatrix(matmul(matmul(UG, scaled), UA, { transposeB: true }), i);
    });
  }

  protected coreTrace(): Tensor {
    return total(this.terms.flatMap((ts) => ts.map(({ A, G }) => mul(sum(diagonal(A)), sum(diagonal(G))))));
  }

  protected coreFrobenius2(): Tensor {
    // ‖Σ_t A_t ⊗ G_t‖² = Σ_{s,t} ⟨A_s, A_t⟩·⟨G_s, G_t⟩
    return total(this.terms.flatMap((ts) => ts.flatMap((s) => ts.map((t) => mul(sum(mul(s.A, t.A)), sum(mul(s.G, t.G)))))));
  }

  protected coreDense(): Tensor {
    return blockDiagonal(this.terms.map((ts, i) => total(ts.map(({ A, G }) => kronecker(this.layout, i, A, G)))));
  }

  protected combined(a: number, other: FisherMatrix | null, b: number, shift: number): KFACFisher {
    const scaled = (ts: readonly Term[], c: number) => ts.map(({ A, G }) => ({ A: combine(A, 1, null, 0), G: combine(G, c, null, 0) }));
    const o = other as KFACFisher | null;
    return new KFACFisher(this.layout, this.terms.map((ts, i) => [...scaled(ts, a), ...(o ? scaled(o.terms[i]!, b) : [])]), shift);
  }

  protected ownTensors(): Record<string, Tensor> {
    return Object.fromEntries(this.terms.flatMap((ts, i) => ts.flatMap(({ A, G }, t) => [[`A/${i}/${t}`, A], [`G/${i}/${t}`, G]])));
  }

  protected override extraRecord(): Record<string, unknown> {
    return { terms: this.terms[0]?.length ?? 0 };
  }

  protected expectedTensors(record: FisherRecord): Record<string, readonly number[]> {
    const T = Number(record.terms);
    if (!Number.isInteger(T) || T < 1) throw new RangeError(`KFACFisher.loadState: the state's record has terms = ${String(record.terms)}, expected a positive integer`);
    return Object.fromEntries(this.layout.slots.flatMap((s, i) => Array.from({ length: T }, (_, t) => [
      [`A/${i}/${t}`, [columnsOf(s), columnsOf(s)]], [`G/${i}/${t}`, [s.out, s.out]],
    ]).flat()));
  }

  protected load(tensors: Record<string, Tensor>, record: FisherRecord): void {
    const T = Number(record.terms);
    this.terms = this.layout.slots.map((_, i) => Array.from({ length: T }, (_, t) => ({ A: tensors[`A/${i}/${t}`]!, G: tensors[`G/${i}/${t}`]! })));
  }

  protected freeTensors(): void {
    for (const ts of this.terms) for (const { A, G } of ts) { A.dispose(); G.dispose(); }
    for (const e of this.eig ?? []) for (const t of Object.values(e)) t.dispose();
    this.terms = [];
    this.eig = null;
  }
}

/** A ⊗ G as the slot's [d, d] block in its flat order: entry ((o,k),(o',k')) = G_oo'·A_kk'. */
function kronecker(layout: Layout, slot: number, A: Tensor, G: Tensor): Tensor {
  const D = A.shape[0]!, out = G.shape[0]!;
  const m = reshape(mul(reshape(G, [out, 1, out, 1]), reshape(A, [1, D, 1, D])), [out * D, out * D]); // matrix order o·D + k
  const perm = layout.matrixOrder(slot);
  if (!perm) return m;
  const idx = tensor(perm, [perm.length], { dtype: 'int32' });
  return gather(gather(m, idx, 0), idx, 1);
}

export class KFACAccumulator implements FisherAccumulator {
  private readonly A: CovarianceAccumulator[];
  private readonly G: CovarianceAccumulator[];
  /** Output positions per sample of each slot (1 for Linear), seen in its captures. */
  private readonly positions: number[];

  constructor(private readonly layout: Layout) {
    this.A = layout.slots.map((s) => new CovarianceAccumulator(columnsOf(s)));
    this.G = layout.slots.map((s) => new CovarianceAccumulator(s.out));
    this.positions = layout.slots.map(() => 1);
  }

  add(pass: readonly (Captured | null)[], first: boolean): void {
    tidy(() => noGrad(() => pass.forEach((c, i) => {
      if (!c) return;
      const [N, L, D] = c.a.shape as [number, number, number];
      this.positions[i] = L;
      if (first) this.A[i]!.add(reshape(c.a, [N * L, D]));
      this.G[i]!.add(reshape(c.d, [N * L, this.layout.slots[i]!.out]));
    })));
  }

  finish(count: number): KFACFisher {
    const terms = this.layout.slots.map((s, i) => [{
      A: keep(tidy(() => noGrad(() => (this.A[i]!.count ? mul(this.A[i]!.sum(), 1 / count) : zeros([columnsOf(s), columnsOf(s)]))))),
      G: keep(tidy(() => noGrad(() => (this.G[i]!.count ? mul(this.G[i]!.sum(), 1 / (count * this.positions[i]!)) : zeros([s.out, s.out]))))),
    }]);
    return new KFACFisher(this.layout, terms);
  }

  dispose(): void {
    for (const acc of [...this.A, ...this.G]) acc.dispose();
  }
}
