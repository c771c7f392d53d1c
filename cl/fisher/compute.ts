/**
 * cl.fisher.compute(model, data, options): the Fisher information of a classifier's parameters over a
 * dataset, F = (1/N) Σ_n Σ_passes g_n g_nᵀ (the MEAN over samples, nngeometry's convention), in one of
 * four representations (diag, kfac, blockdiag, dense) and four variants (seeds.ts): exact, sampled,
 * empirical, batched.
 *
 * One minibatch at a time (addBatch, which the preconditioned replay also calls once per step on its
 * mixed batch), inside one scope: a forward pass with the covered layers captured
 * (capture.ts), the variant's backward passes from the logits (C for exact, else one), each feeding the
 * representation's accumulator with every layer's Ã and Δ: per-sample gradients from batched matmuls,
 * never from batch-size-1 loops. No parameter gradient is computed and .grad is left alone; the model
 * runs in eval mode (Dropout off) and goes back to its mode after. The only readback is one at the
 * end, checking that every label was in [0, C).
 */
import { add, cast, ge, keep, lt, noGrad, sum, tidy, withGrad, Generator, type Tensor } from '../../engine/index.js';
import { describe } from '../../engine/check.js';
import { formatShape } from '../../engine/shape.js';
import { DataLoader, TensorDataset } from '../../nn/data/loader.js';
import type { Module } from '../../nn/module.js';
import { BlockAccumulator, checkBlocks } from './blocks.js';
import { LayerCapture } from './capture.js';
import { DiagAccumulator } from './diag.js';
import { REPRESENTATIONS, type FisherMatrix, type Representation } from './fisher-matrix.js';
import { KFACAccumulator } from './kfac.js';
import { fisherLayers } from './layers.js';
import { Layout } from './layout.js';
import { asOneSample, type FisherAccumulator } from './per-sample.js';
import { sampleRows } from '../util/sample-rows.js';
import { gaussianSeeds, seeds, VARIANTS, type Variant } from './seeds.js';

export interface FisherOptions {
  /** 'diag' (default), 'kfac', 'blockdiag' (a dense block per layer) or 'dense' (small models). */
  representation?: Representation;
  /** 'exact' (default), 'sampled', 'empirical' or 'batched' (seeds.ts). */
  variant?: Variant;
  /** The parameters to cover (default: all of the model's); vectors list them in model order. */
  params?: readonly Tensor[];
  /** Use this many samples of the dataset, drawn without replacement (default: all). */
  samples?: number;
  /** Samples per forward pass (default 1024); for 'batched' the minibatch whose mean gradient is squared. */
  batchSize?: number;
  /** Source of the sample choice and of the sampled labels (default: new Generator(seed)). */
  generator?: Generator;
  /** Seed of that generator when none is given (default 0). */
  seed?: number;
  /**
   * The model's likelihood: 'categorical' (default: a classifier's softmax over its logits) or a Gaussian
   * N(y; f(x), σ²I) on its outputs, for regression (seeds.ts gaussianSeeds; y float32 targets).
   */
  likelihood?: Likelihood;
}

export type Likelihood = 'categorical' | { gaussian: { std: number } };

const OP = 'cl.fisher.compute';

export async function compute(model: Module, data: TensorDataset, opts: FisherOptions = {}): Promise<FisherMatrix> {
  const o = checkOptions(opts);
  if (!(data instanceof TensorDataset)) throw new TypeError(`${OP}: data must be an nn.TensorDataset, got ${describe(data)}`);
  if (data.n === 0) throw new RangeError(`${OP}: the dataset is empty`);
  const layers = fisherLayers(OP, model, opts.params);
  const layout = new Layout(layers.map((l) => l.slot));
  if (o.representation === 'dense' || o.representation === 'blockdiag') checkBlocks(OP, o.representation, layout);
  if (o.representation === 'kfac' && o.variant === 'batched') {
    throw new RangeError(`${OP}: the 'batched' variant has no KFAC form (a minibatch's gradient is a sum of outer products, not one); use 'empirical', or 'batched' with another representation`);
  }
  const generator = opts.generator ?? new Generator(opts.seed ?? 0);
  const chosen = o.samples < data.n ? sampleRows(data, o.samples, generator) : data;
  const acc = accumulator(o.representation, layout);
  const capture = new LayerCapture(layers);
  const labels: { bad: Tensor | null; C: number } = { bad: null, C: 0 };
  let count = 0;
  const restore = enterFisherMode(model, capture);
  try {
    for (const { x, y } of new DataLoader(chosen, { batchSize: o.batchSize })) {
      labels.C = addBatch(OP, model, capture, acc, o.variant, x, y, generator, o.likelihood);
      if (o.likelihood === 'categorical' && (o.variant === 'empirical' || o.variant === 'batched')) labels.bad = countBadLabels(labels.bad, y, labels.C);
      count += o.variant === 'batched' ? 1 : x.shape[0]!;
    }
    const bad = labels.bad ? await labels.bad.item() : 0;
    if (bad > 0) throw new RangeError(`${OP}: ${bad} label${bad > 1 ? 's are' : ' is'} outside [0, ${labels.C}) (the model has ${labels.C} outputs); the '${o.variant}' Fisher uses the true labels`);
    return acc.finish(count);
  } finally {
    restore();
    labels.bad?.dispose();
    capture.dispose();
    acc.dispose();
    if (chosen !== data) chosen.dispose();
  }
}

/**
 * Puts the model in the state the Fisher's passes need: eval mode (Dropout off), no parameter requiring a
 * gradient (backward then computes no .grad and leaves the existing ones alone), the covered layers
 * captured. Returns the function that restores all three.
 */
export function enterFisherMode(model: Module, capture: LayerCapture): () => void {
  const params = model.parameters();
  const flags = params.map((p) => p.requiresGrad);
  const modes = model.modules().map((m) => m.training);
  model.eval();
  for (const p of params) p.requiresGrad = false;
  capture.install();
  return () => {
    capture.uninstall();
    params.forEach((p, i) => { p.requiresGrad = flags[i]!; });
    model.modules().forEach((m, i) => { m.training = modes[i]!; });
  };
}

/**
 * One minibatch into the accumulator, synchronously and without readback (in Fisher mode, see
 * enterFisherMode): a forward pass with the covered layers captured, the variant's backward passes from
 * the logits (C for exact, else one), each feeding `acc` with every layer's Ã and Δ, then acc.endBatch.
 * Returns C, the number of logits (outputs). `op` names the caller in errors. The exact variant ignores y.
 */
export function addBatch(op: string, model: Module, capture: LayerCapture, acc: Pick<FisherAccumulator, 'add' | 'endBatch'>, variant: Variant, x: Tensor, y: Tensor, generator: Generator, likelihood: Likelihood = 'categorical'): number {
  try {
    return tidy(() => withGrad(true, () => {
      const z = model.forward(x);
      checkLogits(op, z, x.shape[0]!);
      const passes = likelihood === 'categorical' ? seeds(variant, z, y, generator) : gaussianSeeds(variant, z, y, likelihood.gaussian.std, generator);
      passes.forEach((seed, k) => {
        z.backward(seed, { retainGraph: k < passes.length - 1 });
        const pass = capture.pass();
        acc.add(variant === 'batched' ? pass.map((c) => c && asOneSample(c)) : pass, k === 0);
        capture.dropDeltas();
      });
      acc.endBatch?.(capture.batchInputs());
      return z.shape[1]!;
    }));
  } finally {
    capture.clear();
  }
}

interface Checked {
  representation: Representation;
  variant: Variant;
  samples: number;
  batchSize: number;
  likelihood: Likelihood;
}

function checkOptions(opts: FisherOptions): Checked {
  if (!opts || typeof opts !== 'object') throw new TypeError(`${OP}: options must be an object { representation, variant, ... }`);
  const representation = opts.representation ?? 'diag';
  if (!REPRESENTATIONS.includes(representation)) throw new RangeError(`${OP}: options.representation must be one of ${REPRESENTATIONS.join(', ')}, got ${JSON.stringify(representation)}`);
  const variant = opts.variant ?? 'exact';
  if (!VARIANTS.includes(variant)) throw new RangeError(`${OP}: options.variant must be one of ${VARIANTS.join(', ')}, got ${JSON.stringify(variant)}`);
  for (const k of ['samples', 'batchSize'] as const) {
    const v = opts[k];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new RangeError(`${OP}: options.${k} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new TypeError(`${OP}: options.seed must be an integer, got ${JSON.stringify(opts.seed)}`);
  if (opts.generator !== undefined && !(opts.generator instanceof Generator)) throw new TypeError(`${OP}: options.generator must be a Generator`);
  const likelihood = checkLikelihood(`${OP}: options.likelihood`, opts.likelihood ?? 'categorical');
  return { representation, variant, samples: opts.samples ?? Infinity, batchSize: opts.batchSize ?? 1024, likelihood };
}

/** Throws unless v is 'categorical' or { gaussian: { std } } with a finite std > 0; `what` names the argument. */
export function checkLikelihood(what: string, v: unknown): Likelihood {
  const std = v === 'categorical' ? 1 : (v as { gaussian?: { std?: unknown } } | null)?.gaussian?.std;
  if (!(typeof std === 'number' && Number.isFinite(std) && std > 0)) {
    throw new RangeError(`${what} must be 'categorical' or { gaussian: { std } } with a finite std > 0, got ${JSON.stringify(v)}`);
  }
  return v as Likelihood;
}

/** The representation's accumulator over `layout`. */
export function accumulator(representation: Representation, layout: Layout): FisherAccumulator {
  switch (representation) {
    case 'diag': return new DiagAccumulator(layout);
    case 'kfac': return new KFACAccumulator(layout);
    default: return new BlockAccumulator(layout, representation);
  }
}

function checkLogits(op: string, z: Tensor, B: number): void {
  if (z.rank !== 2 || z.shape[0] !== B) throw new RangeError(`${op}: the model must return logits [N, C] for a batch of ${B}, got ${formatShape(z.shape)}`);
  if (!z.requiresGrad) throw new RangeError(`${op}: the model's output does not depend on any covered parameter's layer`);
}

/** A running count of labels outside [0, C) (one readback at the end). */
function countBadLabels(prev: Tensor | null, y: Tensor, C: number): Tensor {
  return tidy(() => noGrad(() => {
    const yf = cast(y, 'float32');
    const bad = add(sum(ge(yf, C)), sum(lt(yf, 0)));
    const next = keep(prev ? add(prev, bad) : bad);
    prev?.dispose();
    return next;
  }));
}
