/**
 * HMLP: a task-conditioned hypernetwork (von Oswald et al., ICLR 2020; hypnettorch's `hnets.HMLP` and
 * `hnets.ChunkedHMLP`). One trainable embedding e_t per task; an MLP θ maps it to every weight of a main
 * network, flattened in the order of `targetShapes`:
 *
 *   plain:    h(e, θ) = MLP_θ(e) ∈ ℝᴾ                      (P = Σ sizes of the target shapes)
 *   chunked:  h(e, θ) = [MLP_θ([e; c₁]), …, MLP_θ([e; c_C])]  cut to P; c_j ∈ θ, one embedding per chunk of
 *             `chunkSize` outputs, so the output layer is chunkSize wide instead of P (large main networks)
 *
 * generate(E [n, E], θ?) runs n embeddings in ONE pass (the regulariser's batch of old tasks); θ may be
 * given explicitly (θ + Δθ, the look-ahead) and is then what gets the gradients. generatePadded keeps the
 * last chunk whole ([n, width], width = chunks·chunkSize ≥ P): cutting it to P is a strided copy of every
 * output (and its backward a zero fill and a copy of as many), which the regulariser and the main network's
 * weights (split) do without.
 *
 * Initialisation, hyperfan-in (Chang, Sacramento & Grewe, ICLR 2020), chosen so that the main network
 * starts with the weight scale of an ordinary fan-in initialisation whatever the hypernetwork's width
 * (hypnettorch's default Xavier init of the hypernetwork ties it to the hypernetwork's sizes instead):
 *   embeddings e, chunk embeddings c ~ N(0, 1), so E[x²] = 1 for the MLP's input x;
 *   hidden layers: He normal N(0, 2/fan_in), zero bias: E[relu(z)²] = ½·Var(z) = ½·2·E[x²] = 1, so every
 *     hidden unit keeps E[h²] = 1;
 *   output layer (input width d): the row producing an element of a main weight of fan-in f is N(0, 1/(d·f)),
 *     so Var(W_main) = d·(1/(d·f))·E[h²] = 1/f (LeCun's fan-in variance) for every embedding; rows producing
 *     main biases, and the output bias, are zero (main biases start at 0).
 *   chunked: one output row serves every chunk, i.e. weights of different fan-ins; it gets the mean of the
 *     targeted variances, N(0, mean_k(1/f_k)/d) over the generated weight elements k.
 */
import { describe } from '../../engine/check.js';
import { broadcastTo, reshape } from '../../engine/ops/shape.js';
import { concat, slice } from '../../engine/ops/indexing.js';
import { randn, tensor, zeros } from '../../engine/ops/creation.js';
import { defaultGenerator, type Generator } from '../../engine/random.js';
import { formatShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { linear, relu } from '../../nn/functional/index.js';
import { Module, parameter } from '../../nn/module.js';

export interface HMLPOptions {
  /** Shapes of the main network's weights ([out, in, …] weights, rank-1 biases), in its order. */
  targetShapes: readonly (readonly number[])[];
  /** Number of task embeddings. */
  tasks: number;
  embeddingSize: number;
  /** Widths of the hidden layers (may be empty: a linear hypernetwork). */
  hidden: readonly number[];
  /** Generate the weights in chunks of chunkSize outputs (default false). */
  chunked?: boolean;
  /** Outputs per chunk (chunked only; default 4096). */
  chunkSize?: number;
  /** Size of each chunk embedding (chunked only; default embeddingSize). */
  chunkEmbeddingSize?: number;
  generator?: Generator;
}

const positive = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

export class HMLP extends Module {
  /** e_t, one [embeddingSize] parameter per task. */
  readonly embeddings: Tensor[];
  /** The MLP's weights [out, in] and biases, hidden layers then the output layer. */
  readonly weights: Tensor[];
  readonly biases: Tensor[];
  /** [chunks, chunkEmbeddingSize] (chunked only). */
  readonly chunkEmbeddings: Tensor | null;
  readonly targetShapes: readonly (readonly number[])[];
  /** Outputs: the number of main-network weights P. */
  readonly outputs: number;
  /** Values per generated row before the cut to P: chunks·chunkSize (chunked), P (plain). */
  readonly width: number;
  readonly embeddingSize: number;
  readonly chunkSize: number | null;

  constructor(opts: HMLPOptions) {
    super();
    if (!opts || typeof opts !== 'object') throw new TypeError('HMLP: expected options { targetShapes, tasks, embeddingSize, hidden, chunked?, chunkSize? }');
    const { targetShapes, tasks, embeddingSize, hidden, chunked = false } = opts;
    if (!Array.isArray(targetShapes) || !targetShapes.length || !targetShapes.every((s) => Array.isArray(s) && s.length >= 1 && s.every(positive))) {
      throw new RangeError(`HMLP: options.targetShapes must be a non-empty list of shapes of positive integers, got ${describe(targetShapes)}`);
    }
    if (!positive(tasks)) throw new RangeError(`HMLP: options.tasks must be a positive integer, got ${describe(tasks)}`);
    if (!positive(embeddingSize)) throw new RangeError(`HMLP: options.embeddingSize must be a positive integer, got ${describe(embeddingSize)}`);
    if (!Array.isArray(hidden) || !hidden.every(positive)) throw new RangeError(`HMLP: options.hidden must be a list of positive integers, got ${describe(hidden)}`);
    if (typeof chunked !== 'boolean') throw new TypeError(`HMLP: options.chunked must be true or false, got ${describe(chunked)}`);
    const chunkSize = opts.chunkSize ?? 4096;
    const chunkEmbeddingSize = opts.chunkEmbeddingSize ?? embeddingSize;
    if (chunked && !positive(chunkSize)) throw new RangeError(`HMLP: options.chunkSize must be a positive integer, got ${describe(chunkSize)}`);
    if (chunked && !positive(chunkEmbeddingSize)) throw new RangeError(`HMLP: options.chunkEmbeddingSize must be a positive integer, got ${describe(chunkEmbeddingSize)}`);
    if (!chunked && (opts.chunkSize !== undefined || opts.chunkEmbeddingSize !== undefined)) throw new RangeError('HMLP: options.chunkSize and chunkEmbeddingSize apply with chunked: true only');
    const g = opts.generator ?? defaultGenerator();
    this.targetShapes = targetShapes.map((s) => [...s]);
    this.outputs = this.targetShapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
    this.embeddingSize = embeddingSize;
    this.chunkSize = chunked ? chunkSize : null;
    const chunks = Math.ceil(this.outputs / chunkSize);
    this.width = chunked ? chunks * chunkSize : this.outputs;
    this.embeddings = Array.from({ length: tasks }, () => parameter(randn([embeddingSize], { generator: g })));
    this.chunkEmbeddings = chunked ? parameter(randn([chunks, chunkEmbeddingSize], { generator: g })) : null;
    const widths = [embeddingSize + (chunked ? chunkEmbeddingSize : 0), ...hidden];
    this.weights = hidden.map((w, i) => parameter(randn([w, widths[i]!], { std: Math.sqrt(2 / widths[i]!), generator: g })));
    this.biases = hidden.map((w) => parameter(zeros([w])));
    const d = widths[widths.length - 1]!;
    const rows = chunked ? chunkSize : this.outputs;
    this.weights.push(parameter(hyperfanOutputLayer(this.targetShapes, rows, d, chunked, g)));
    this.biases.push(parameter(zeros([rows])));
  }

  /** θ: every parameter but the task embeddings, in the order generate() takes them. */
  theta(): Tensor[] {
    const layers = this.weights.flatMap((w, i) => [w, this.biases[i]!]);
    return this.chunkEmbeddings ? [...layers, this.chunkEmbeddings] : layers;
  }

  /** h(E, θ) for the rows of E [n, embeddingSize]: [n, P], in one pass. */
  generate(E: Tensor, theta: readonly Tensor[] = this.theta()): Tensor {
    const rows = this.generatePadded(E, theta);
    return this.width === this.outputs ? rows : slice(rows, 1, 0, this.outputs);
  }

  /** generate() before the cut: [n, width], the first P values of each row h(e, θ), the rest the last chunk's padding. */
  generatePadded(E: Tensor, theta: readonly Tensor[] = this.theta()): Tensor {
    if (E.rank !== 2 || E.shape[1] !== this.embeddingSize) throw new RangeError(`HMLP.generate: embeddings must be [n, ${this.embeddingSize}], got ${formatShape(E.shape)}`);
    const own = this.theta();
    if (theta.length !== own.length || theta.some((t, i) => t.shape.join() !== own[i]!.shape.join())) {
      throw new RangeError(`HMLP.generate: theta must be ${own.length} tensors shaped as HMLP.theta(), got [${theta.map((t) => formatShape(t.shape)).join(', ')}]`);
    }
    const n = E.shape[0]!;
    const layers = this.weights.length;
    let x = E;
    if (this.chunkSize !== null) {
      // Row (i, j) of the input is [e_i; c_j]: every task with every chunk embedding.
      const c = theta[2 * layers]!;
      const [C, k] = c.shape as [number, number];
      x = reshape(concat([broadcastTo(reshape(E, [n, 1, this.embeddingSize]), [n, C, this.embeddingSize]), broadcastTo(reshape(c, [1, C, k]), [n, C, k])], 2), [n * C, this.embeddingSize + k]);
    }
    for (let i = 0; i < layers; i++) {
      x = linear(x, theta[2 * i]!, theta[2 * i + 1]);
      if (i < layers - 1) x = relu(x);
    }
    return this.chunkSize === null ? x : reshape(x, [n, this.width]);
  }

  /** nn.Module's forward: generate(E) with the module's own θ. */
  forward(E: Tensor): Tensor {
    return this.generate(E);
  }

  /** One row of generate()'s [1, P] or generatePadded()'s [1, width] output cut into the target shapes. */
  split(row: Tensor): Tensor[] {
    if (row.size !== this.outputs && row.size !== this.width) throw new RangeError(`HMLP.split: expected ${this.outputs} values (one task's weights${this.width === this.outputs ? '' : `, or ${this.width} padded`}), got ${formatShape(row.shape)}`);
    const flat = reshape(row, [1, row.size]);
    let offset = 0;
    return this.targetShapes.map((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const part = reshape(slice(flat, 1, offset, offset + size), shape);
      offset += size;
      return part;
    });
  }

  /** The main-network weights of task t, shaped as targetShapes. */
  weightsOf(task: number): Tensor[] {
    const e = this.embeddings[task];
    if (!Number.isInteger(task) || !e) throw new RangeError(`HMLP.weightsOf: task must be in [0, ${this.embeddings.length - 1}], got ${describe(task)}`);
    return this.split(this.generatePadded(reshape(e, [1, this.embeddingSize])));
  }
}

/** The output layer [rows, d] with hyperfan-in rows (see the header). */
function hyperfanOutputLayer(shapes: readonly (readonly number[])[], rows: number, d: number, chunked: boolean, g: Generator): Tensor {
  // Target variance of each generated element: 1/f for a weight of fan-in f, 0 for a bias.
  const variance: number[] = [];
  for (const s of shapes) {
    const size = s.reduce((a, b) => a * b, 1);
    const v = s.length === 1 ? 0 : 1 / (size / s[0]!);
    for (let k = 0; k < size; k++) variance.push(v);
  }
  const weightVars = variance.filter((v) => v > 0);
  const chunkVariance = weightVars.length ? weightVars.reduce((a, b) => a + b, 0) / weightVars.length : 0;
  const data = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const std = Math.sqrt((chunked ? chunkVariance : variance[r]!) / d);
    for (let j = 0; j < d; j++) data[r * d + j] = std * g.normal();
  }
  return tensor(data, [rows, d]);
}
