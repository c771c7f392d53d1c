/**
 * A tiny continual-learning run of any registered method, for the reliability tests that must cover
 * every method (memory over many tasks, determinism): the method's own pieces from the registry (its
 * stream, its model, its projection calculators, its plugins) around a small permuted-features stream
 * and a small MLP, so that 20 experiences of every method fit in seconds on lavapipe.
 *
 * The stream: 4 classes, each a fixed Gaussian prototype in 16 features ([1, 4, 4] "images"), samples
 * prototype + 0.5·noise; task t permutes the 16 features with its own seeded permutation (task 0: none),
 * the permuted-MNIST construction at 1/49 of the size (real MNIST's 785 inputs would make every projection
 * method eigendecompose a 785 × 785 matrix per task, minutes over 20 tasks on lavapipe). Model (unless the
 * method builds its own, as hnet): Flatten → Linear(16, 8) → ReLU → Linear(8, 4).
 * Plain SGD (no momentum) for every method, so the optimizer holds no state between steps; one epoch,
 * batch 32.
 */
import { Generator, type Tensor } from '../../index.js';
import type { Module } from '../../nn/module.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { Linear } from '../../nn/layers/linear.js';
import { ReLU } from '../../nn/layers/activation.js';
import { Sequential } from '../../nn/layers/container.js';
import { SGD } from '../../nn/optim/sgd.js';
import type { ImageDataset } from '../../nn/data/datasets.js';
import { fromDatasets } from '../../cl/scenarios/from-datasets.js';
import type { Scenario } from '../../cl/scenarios/experience.js';
import '../../cl/methods/index.js';
import { resolveMethod } from '../../cl/methods/compose.js';
import { methods, resolveOptions, type Options } from '../../cl/methods/registry.js';
import { GradientProjectionPlugin } from '../../cl/methods/gradient-projection.js';
import type { StrategyPlugin } from '../../cl/strategy/plugin.js';
import { Strategy } from '../../cl/strategy/strategy.js';

export const FEATURES = 16;
export const CLASSES = 4;
export const HIDDEN = 8;

/** Runs beyond the registered methods with their defaults: a composition, and options that change what a method keeps. */
const VARIANTS: Record<string, { method: string; options: Options }> = {
  'ewc+replay': { method: 'ewc+replay', options: {} },
  'lwf --per-task-teachers': { method: 'lwf', options: { 'per-task-teachers': true } },
};

/** Every registered method, then the variants. */
export function methodsUnderTest(): string[] {
  return [...methods().map((m) => m.name), ...Object.keys(VARIANTS)];
}

/** SGD's learning rate: 0.2 learns the tiny stream in two steps a task; the hypernetwork's output regulariser is stiff under SGD (cl/methods/hnet.ts) and diverged at 0.2 within 20 tasks. */
const LR: Record<string, number> = { hnet: 0.05 };

/** Options that keep each method tiny (the rest are the registry's defaults). */
const TINY: Record<string, Options> = {
  replay: { buffer: 24 },
  hnet: { embedding: 4, hidden: [8], main: [HIDDEN], chunk: 0 },
};

function dataset(g: Generator, prototypes: Float32Array[], n: number, perm: Int32Array): ImageDataset {
  const images = new Float32Array(n * FEATURES);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = g.int(CLASSES);
    labels[i] = c;
    for (let f = 0; f < FEATURES; f++) images[i * FEATURES + f] = prototypes[c]![perm[f]!]! + 0.5 * g.normal();
  }
  return { images, labels, n, shape: [1, 4, 4], numClasses: CLASSES };
}

/** `tasks` experiences of the permuted-features stream (domain-incremental), `train` + `test` samples each. */
export async function permutedFeatures(tasks: number, seed: number, train = 64, test = 32): Promise<Scenario> {
  const g = new Generator(seed);
  const prototypes = Array.from({ length: CLASSES }, () => Float32Array.from({ length: FEATURES }, () => g.normal()));
  const identity = Int32Array.from({ length: FEATURES }, (_, i) => i);
  const list = Array.from({ length: tasks }, (_, t) => {
    const perm = t === 0 ? identity : g.permutation(FEATURES);
    return { train: dataset(g, prototypes, train, perm), test: dataset(g, prototypes, test, perm), name: `permutation ${t}` };
  });
  return fromDatasets(list, { setting: 'domain', outputs: CLASSES, name: 'permuted-features' });
}

export function tinyMlp(generator: Generator): Sequential {
  return new Sequential(new Flatten(), new Linear(FEATURES, HIDDEN, { generator }), new ReLU(), new Linear(HIDDEN, CLASSES, { generator }));
}

export interface MethodRun {
  /** The stream the method trains on (its own view of the base stream: joint, hnet's task ids). */
  scenario: Scenario;
  model: Module;
  /** Builds the strategy (its plugins bind to the model now). */
  strategy(): Strategy;
  /** The strategy's optimizer factory and a builder of its plugins (for Strategy.load). */
  optimizer: (params: Tensor[]) => SGD;
  plugins(): StrategyPlugin[];
}

/** The method's stream and model over `base`, and a factory of its strategy, as webgpu-cl run builds them (cl/experiments/run-experiment.ts). */
export async function methodRun(name: string, base: Scenario, seed: number, loop: { checkNumerics?: boolean } = {}): Promise<MethodRun> {
  const { method, options: given } = VARIANTS[name] ?? { method: name, options: {} };
  const m = resolveMethod(method);
  const tiny = Object.assign({}, ...method.split('+').map((part) => TINY[part]));
  const options = resolveOptions(`method ${method}`, m.options, { ...tiny, ...given });
  const lr = method.split('+').map((part) => LR[part]).find((v) => v !== undefined) ?? 0.2;
  const scenario = m.scenario ? await m.scenario(base) : base;
  const generator = new Generator(seed);
  const model = m.model ? m.model({ scenario, seed, options, generator }) : tinyMlp(generator);
  const optimizer = (params: Tensor[]) => new SGD(params, { lr });
  const plugins = () => {
    const list: StrategyPlugin[] = [];
    if (m.calculator) list.push(new GradientProjectionPlugin({ calculator: (layer) => m.calculator!(options, layer), samples: options.samples as number | undefined, seed }));
    list.push(...(m.plugins?.({ model, scenario, seed, options }) ?? []));
    return list;
  };
  const strategy = () => new Strategy({ model, optimizer, plugins: plugins(), epochs: 1, batchSize: 32, seed, method: name, ...loop });
  return { scenario, model, strategy, optimizer, plugins };
}
