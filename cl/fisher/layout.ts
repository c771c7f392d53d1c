/**
 * How a Fisher matrix lays out the parameters it covers (nngeometry's LayerCollection and PVector).
 *
 * A Fisher covers the weight and/or the bias of some Linear / Conv2d layers, its slots. A parameter
 * vector is an array of tensors, one per covered parameter, each of that parameter's shape, in the
 * model's parameters() order: slot by slot, the weight, then the bias. Within a slot, a vector is also
 * the matrix
 *   V = [W | b]   [out, D],   W [out, K] the weight with each output's row flattened (Conv2d: K =
 *                 Cin·kh·kw in the kernel's (c, ky, kx) order, as unfoldRows orders a patch), b the bias
 *                 as one more column: D = K + 1 with a bias, K without, 1 for a bias alone;
 * so that a sample's gradient is G = Δᵀ·Ã (output gradients by input rows with a 1 appended). A slot's
 * flat order (the rows and columns of its blockdiag or dense block) is W row-major, then b: the
 * parameters flattened and concatenated, as torch.cat([w.flatten(), b]). Below the layout, the square-
 * matrix helpers the representations share (a diagonal, a diagonal matrix, a block diagonal).
 */
import { clone, concat, gather, reshape, slice, tensor, zeros, type Tensor } from '../../engine/index.js';
import { formatShape } from '../../engine/shape.js';

export interface Slot {
  /** The layer's name in the model ('1', 'trunk.0'), for messages. */
  readonly name: string;
  /** Rows of V: out_features, or out_channels. */
  readonly out: number;
  /** Weight columns: in_features or Cin·kh·kw; 0 when the weight is not covered. */
  readonly K: number;
  /** The covered weight's shape, or null. */
  readonly weight: readonly number[] | null;
  /** The covered bias's shape ([out]), or null. */
  readonly bias: readonly number[] | null;
}

/** Columns of V: D = K (+1 with a bias). */
export const columnsOf = (s: Slot): number => s.K + (s.bias ? 1 : 0);
/** Entries of the slot's flat vector: d = out·D. */
export const sizeOf = (s: Slot): number => s.out * columnsOf(s);

export class Layout {
  /** Each covered parameter's shape, in vector order. */
  readonly shapes: readonly (readonly number[])[];
  /** Index in the vector of each slot's first parameter. */
  private readonly first: readonly number[];
  /** Entries of the whole flat vector. */
  readonly P: number;

  constructor(readonly slots: readonly Slot[]) {
    if (!slots.length) throw new RangeError('cl.fisher: a Fisher matrix needs at least one parameter');
    const shapes: (readonly number[])[] = [];
    this.first = slots.map((s) => {
      const at = shapes.length;
      if (s.weight) shapes.push(s.weight);
      if (s.bias) shapes.push(s.bias);
      return at;
    });
    this.shapes = shapes;
    this.P = slots.reduce((n, s) => n + sizeOf(s), 0);
  }

  /** Throws unless v is a parameter vector of this layout; `op` names the caller. */
  check(op: string, v: unknown): readonly Tensor[] {
    if (!Array.isArray(v)) throw new TypeError(`${op}: expected a parameter vector (an array of ${this.shapes.length} tensors in parameters() order), got ${typeof v}`);
    if (v.length !== this.shapes.length) throw new RangeError(`${op}: the vector has ${v.length} tensors, this Fisher covers ${this.shapes.length} parameters`);
    v.forEach((t: unknown, i) => {
      const want = this.shapes[i]!;
      if (!t || typeof t !== 'object' || !('shape' in t)) throw new TypeError(`${op}: v[${i}] is not a tensor`);
      const shape = (t as Tensor).shape;
      if (shape.length !== want.length || shape.some((d, k) => d !== want[k])) {
        throw new RangeError(`${op}: v[${i}] has shape ${formatShape(shape)}, expected ${formatShape(want)} (${this.describe(i)})`);
      }
    });
    return v as Tensor[];
  }

  /** 'the weight of layer fc1' for vector entry i. */
  describe(i: number): string {
    let k = 0;
    while (k + 1 < this.slots.length && this.first[k + 1]! <= i) k++;
    const s = this.slots[k]!;
    return `the ${s.weight && this.first[k] === i ? 'weight' : 'bias'} of layer '${s.name}'`;
  }

  /** The slot's tensors of v: [weight?, bias?]. */
  part(v: readonly Tensor[], slot: number): Tensor[] {
    const s = this.slots[slot]!;
    const n = (s.weight ? 1 : 0) + (s.bias ? 1 : 0);
    return v.slice(this.first[slot], this.first[slot]! + n);
  }

  /** The slot's part of v as V = [W | b], [out, D] (differentiable). */
  matrix(v: readonly Tensor[], slot: number): Tensor {
    const s = this.slots[slot]!;
    const parts = this.part(v, slot);
    const cols = [];
    if (s.weight) cols.push(reshape(parts[0]!, [s.out, s.K]));
    if (s.bias) cols.push(reshape(parts[parts.length - 1]!, [s.out, 1]));
    return cols.length === 1 ? cols[0]! : concat(cols, 1);
  }

  /** V [out, D] back into the slot's parameter shapes. */
  fromMatrix(m: Tensor, slot: number): Tensor[] {
    const s = this.slots[slot]!;
    const out: Tensor[] = [];
    if (s.weight) out.push(reshape(s.bias ? slice(m, 1, 0, s.K) : m, s.weight));
    if (s.bias) out.push(reshape(s.weight ? slice(m, 1, s.K, s.K + 1) : m, s.bias));
    return out;
  }

  /** Matrices [..., out, D] as flat vectors [..., d] in the slot's flat order (W row-major, then b). */
  flatFromMatrix(m: Tensor, slot: number): Tensor {
    const s = this.slots[slot]!;
    const lead = m.shape.slice(0, -2);
    if (!(s.weight && s.bias)) return reshape(m, [...lead, sizeOf(s)]); // one part: the orders agree
    const axis = m.rank - 1;
    return concat([reshape(slice(m, axis, 0, s.K), [...lead, s.out * s.K]), reshape(slice(m, axis, s.K), [...lead, s.out])], lead.length);
  }

  /** The slots' parts of v flattened and concatenated, [Σ d] (differentiable). */
  flat(v: readonly Tensor[], slots: readonly number[] = this.slots.map((_, i) => i)): Tensor {
    const parts = slots.flatMap((i) => this.part(v, i).map((t) => reshape(t, [t.size])));
    return parts.length === 1 ? parts[0]! : concat(parts, 0);
  }

  /** A flat vector [Σ d] of the given slots back into their parameter shapes. */
  unflat(u: Tensor, slots: readonly number[] = this.slots.map((_, i) => i)): Tensor[] {
    const out: Tensor[] = [];
    let at = 0;
    for (const i of slots) {
      const s = this.slots[i]!;
      for (const shape of [s.weight, s.bias]) {
        if (!shape) continue;
        const n = shape.reduce((a, b) => a * b, 1);
        out.push(reshape(slice(u, 0, at, at + n), shape));
        at += n;
      }
    }
    return out;
  }

  /**
   * Index map from the slot's flat order to its matrix order (V row-major, o·D + k): entry p of the
   * flat vector is entry perm[p] of vec(V). Null when the two orders agree (one part only).
   */
  matrixOrder(slot: number): Int32Array | null {
    const s = this.slots[slot]!;
    if (!(s.weight && s.bias)) return null;
    const D = s.K + 1;
    const perm = new Int32Array(s.out * D);
    for (let o = 0; o < s.out; o++) {
      for (let k = 0; k < s.K; k++) perm[o * s.K + k] = o * D + k;
      perm[s.out * s.K + o] = o * D + s.K;
    }
    return perm;
  }

  /** Throws when a P×P matrix of the given parameters would exceed `limit` (what the message names). */
  checkDense(op: string, n: number, what: string, limit = DENSE_LIMIT): void {
    if (n > limit) {
      throw new RangeError(`${op}: ${what} has ${n} parameters, a ${n} × ${n} matrix; dense matrices are limited to ${limit} parameters (use 'diag' or 'kfac')`);
    }
  }

  toJSON(): Slot[] {
    return this.slots.map((s) => ({ name: s.name, out: s.out, K: s.K, weight: s.weight && [...s.weight], bias: s.bias && [...s.bias] }));
  }

  /** Whether another layout covers parameters of the same shapes in the same slots. */
  equals(other: Layout): boolean {
    return JSON.stringify(other.slots.map(({ out, K, weight, bias }) => [out, K, weight, bias])) === JSON.stringify(this.slots.map(({ out, K, weight, bias }) => [out, K, weight, bias]));
  }
}

/** Largest number of parameters of a dense Fisher, or of one blockdiag block. */
export const DENSE_LIMIT = 4096;

/** The diagonal of a square matrix [n, n] as [n] (one gather). */
export function diagonal(m: Tensor): Tensor {
  const n = m.shape[0]!;
  const idx = tensor(Int32Array.from({ length: n }, (_, i) => i * (n + 1)), [n], { dtype: 'int32', device: m.device });
  return gather(reshape(m, [n * n]), idx, 0);
}

/**
 * The [n, n] matrix with v [n] on its diagonal, without a host upload: the rows [v_i, 0 × n] of
 * [v | 0] [n, n + 1], read as one flat array, put v_i at i·(n + 1) = i·n + i, entry (i, i) of [n, n].
 */
export function diagonalMatrix(v: Tensor): Tensor {
  const n = v.size;
  const padded = concat([reshape(v, [n, 1]), zeros([n, n])], 1);
  return reshape(slice(reshape(padded, [n * (n + 1)]), 0, 0, n * n), [n, n]);
}

/** Square blocks [d_i, d_i] on the diagonal of a new [Σd, Σd] matrix, zeros elsewhere. */
export function blockDiagonal(blocks: readonly Tensor[]): Tensor {
  if (blocks.length === 1) return clone(blocks[0]!);
  const total = blocks.reduce((n, b) => n + b.shape[0]!, 0);
  let at = 0;
  const rows = blocks.map((b) => {
    const d = b.shape[0]!;
    const parts = [at > 0 ? zeros([d, at]) : null, b, total - at - d > 0 ? zeros([d, total - at - d]) : null].filter((t): t is Tensor => t !== null);
    at += d;
    return parts.length === 1 ? parts[0]! : concat(parts, 1);
  });
  return concat(rows, 0);
}
