/**
 * FisherMatrix: what every representation answers (nngeometry's PMat interface), for parameter
 * vectors laid out as layout.ts says. A matrix is F = M + s·I, M the representation's own (a diagonal,
 * Kronecker factors, dense blocks) and s a scalar shift (addIdentity(); EWC's prior offset 1/σ²) that
 * every operation applies exactly:
 *   vᵀFv = vᵀMv + s‖v‖²,   Fv = Mv + s·v,   (F + rI)⁻¹v = (M + (s + r)I)⁻¹v,   tr F = tr M + s·P,
 *   ‖F‖²_F = ‖M‖²_F + 2s·tr M + s²·P,   dense(F) = dense(M) + s·I.
 * vTMv is differentiable in v (built from ops, no readback): EWC's penalty is ½λ·vTMv(θ − θ*). Results
 * are new tensors in the caller's scope; add, scale and addIdentity return new matrices that own their
 * tensors (dispose() them). Only solve() reads back, for the eigendecompositions it computes once per
 * matrix and keeps.
 */
import { add, full, keep, mul, noGrad, sqrt, square, sum, tidy, type Tensor } from '../../engine/index.js';
import { copyOf, type TensorLike } from '../../nn/assign.js';
import { formatShape } from '../../engine/shape.js';
import { diagonalMatrix, Layout, type Slot } from './layout.js';

export type Representation = 'diag' | 'kfac' | 'blockdiag' | 'dense';
export const REPRESENTATIONS: readonly Representation[] = ['diag', 'kfac', 'blockdiag', 'dense'];

/** A parameter vector: one tensor per covered parameter, in parameters() order (layout.ts). */
export type PVector = readonly Tensor[];

export interface SolveOptions {
  /** Damping r of (F + r·I)⁻¹ (default 1e-8, nngeometry's). */
  regul?: number;
}

export interface FisherRecord {
  representation: Representation;
  layout: Slot[];
  shift: number;
  [key: string]: unknown;
}

export interface FisherState {
  tensors: Record<string, Tensor>;
  record: FisherRecord;
}

export interface LoadableFisherState {
  tensors: Record<string, TensorLike>;
  record: unknown;
}

/** a·x + b·y (y may be null) as a new tensor kept out of every scope and off the tape: a matrix's own. */
export function combine(x: Tensor, a: number, y: Tensor | null, b: number): Tensor {
  return keep(tidy(() => noGrad(() => (y ? add(mul(x, a), mul(y, b)) : mul(x, a)))));
}

/** Σ of scalar tensors. */
export function total(terms: readonly Tensor[]): Tensor {
  return terms.reduce((s, t) => add(s, t));
}

export abstract class FisherMatrix {
  abstract readonly representation: Representation;
  private s: number;

  protected constructor(readonly layout: Layout, shift: number) {
    this.s = shift;
  }

  /** The shift s of F = M + s·I. */
  get shift(): number {
    return this.s;
  }

  /** vᵀ·F·v, a scalar tensor, differentiable in v. */
  vTMv(v: PVector): Tensor {
    const vs = this.layout.check(`${this.name}.vTMv`, v);
    return tidy(() => {
      const core = this.coreVTMv(vs);
      return this.s ? add(core, mul(total(vs.map((t) => sum(square(t)))), this.s)) : core;
    });
  }

  /** F·v, a parameter vector (differentiable in v). */
  mv(v: PVector): Tensor[] {
    const vs = this.layout.check(`${this.name}.mv`, v);
    return tidy(() => {
      const m = this.coreMv(vs);
      return this.s ? m.map((t, i) => add(t, mul(vs[i]!, this.s))) : m;
    });
  }

  /** (F + regul·I)⁻¹·v. The first call eigendecomposes (reads back); later ones reuse it. */
  async solve(v: PVector, opts: SolveOptions = {}): Promise<Tensor[]> {
    const vs = this.layout.check(`${this.name}.solve`, v);
    const regul = opts.regul ?? 1e-8;
    if (typeof regul !== 'number' || !Number.isFinite(regul) || regul < 0) throw new RangeError(`${this.name}.solve: regul must be a finite number ≥ 0, got ${String(regul)}`);
    await this.prepareSolve();
    return tidy(() => this.coreSolve(vs, this.s + regul));
  }

  /** tr F, a scalar tensor. */
  trace(): Tensor {
    return tidy(() => (this.s ? add(this.coreTrace(), this.s * this.layout.P) : this.coreTrace()));
  }

  /** ‖F‖_F, a scalar tensor. */
  frobeniusNorm(): Tensor {
    return tidy(() => {
      const m2 = this.coreFrobenius2();
      return sqrt(this.s ? add(add(m2, mul(this.coreTrace(), 2 * this.s)), this.s * this.s * this.layout.P) : m2);
    });
  }

  /** F as a [P, P] matrix in vector order (small models: P ≤ 4096). */
  dense(): Tensor {
    this.layout.checkDense(`${this.name}.dense`, this.layout.P, 'the Fisher');
    return tidy(() => {
      const m = this.coreDense();
      return this.s ? add(m, diagonalMatrix(full([this.layout.P], this.s))) : m;
    });
  }

  /** F + G, a new matrix (same representation and parameters). */
  add(other: FisherMatrix): FisherMatrix {
    if (!(other instanceof FisherMatrix) || other.representation !== this.representation) {
      throw new TypeError(`${this.name}.add: other must be a ${this.representation} Fisher matrix, got ${other instanceof FisherMatrix ? other.representation : typeof other}`);
    }
    if (!other.layout.equals(this.layout)) throw new RangeError(`${this.name}.add: the matrices cover different parameters`);
    return this.combined(1, other, 1, this.s + other.s);
  }

  /** c·F, a new matrix. */
  scale(c: number): FisherMatrix {
    checkFinite(`${this.name}.scale`, 'c', c);
    return this.combined(c, null, 0, c * this.s);
  }

  /** F + c·I, a new matrix. */
  addIdentity(c: number): FisherMatrix {
    checkFinite(`${this.name}.addIdentity`, 'c', c);
    return this.combined(1, null, 0, this.s + c);
  }

  /** The matrix's tensors (its own: do not dispose them) and a JSON record; restore with fromState(). */
  state(): FisherState {
    return { tensors: this.ownTensors(), record: { representation: this.representation, layout: this.layout.toJSON(), shift: this.s, ...this.extraRecord() } };
  }

  /** Takes the values of a state of the same representation and parameters (tensors copied). */
  loadState(state: LoadableFisherState): void {
    const where = `${this.name}.loadState`;
    const record = state?.record as Partial<FisherRecord> | undefined;
    if (record?.representation !== this.representation) throw new TypeError(`${where}: the state is of a ${String(record?.representation)} Fisher, this one is ${this.representation}`);
    if (!Array.isArray(record.layout) || !new Layout(record.layout).equals(this.layout)) throw new RangeError(`${where}: the state covers other parameters than this Fisher`);
    const copies = this.copiesOf(where, state.tensors, record as FisherRecord);
    this.freeTensors();
    this.load(copies, record as FisherRecord);
    this.s = Number(record.shift ?? 0);
  }

  dispose(): void {
    this.freeTensors();
  }

  /** 'DiagFisher', for messages. */
  protected get name(): string {
    return this.constructor.name;
  }

  protected abstract coreVTMv(v: PVector): Tensor;
  protected abstract coreMv(v: PVector): Tensor[];
  /** Eigendecompositions for solve(), once. */
  protected async prepareSolve(): Promise<void> {}
  /** (M + damping·I)⁻¹·v. */
  protected abstract coreSolve(v: PVector, damping: number): Tensor[];
  protected abstract coreTrace(): Tensor;
  protected abstract coreFrobenius2(): Tensor;
  protected abstract coreDense(): Tensor;
  /** A new matrix a·M + b·M' (M' = other's) with the given shift. */
  protected abstract combined(a: number, other: FisherMatrix | null, b: number, shift: number): FisherMatrix;
  protected abstract ownTensors(): Record<string, Tensor>;
  protected extraRecord(): Record<string, unknown> {
    return {};
  }
  /** The names and shapes of the tensors a state of this record holds. */
  protected abstract expectedTensors(record: FisherRecord): Record<string, readonly number[]>;
  protected abstract load(tensors: Record<string, Tensor>, record: FisherRecord): void;
  protected abstract freeTensors(): void;

  private copiesOf(where: string, tensors: Record<string, TensorLike>, record: FisherRecord): Record<string, Tensor> {
    const want = this.expectedTensors(record);
    for (const [k, shape] of Object.entries(want)) {
      const t = tensors?.[k];
      if (!t) throw new RangeError(`${where}: the state lacks tensor '${k}'`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw new RangeError(`${where}: tensor '${k}' has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
    }
    return Object.fromEntries(Object.keys(want).map((k) => [k, copyOf(tensors[k]!)]));
  }
}

function checkFinite(op: string, name: string, c: unknown): void {
  if (typeof c !== 'number' || !Number.isFinite(c)) throw new RangeError(`${op}: ${name} must be a finite number, got ${String(c)}`);
}
