/**
 * The accuracy runs of issue "nn": the PyTorch recipe on the default split, three models.
 *
 *   npx tsx bench/train-mnist.ts [--epochs 10] [--seed 0] [--only mnist-mlp|mnist-cnn|fashion-mlp|fashion-full]
 *
 * Recipe (the same as the PyTorch 1.13 reference runs): SGD lr 0.01, momentum 0.9, batch 64, the
 * training set reshuffled every epoch, 10 epochs, PyTorch's default initialisation, layers with
 * biases, inputs in [0, 1] (no normalisation), test accuracy after the last epoch.
 *   mnist-mlp:   MNIST (7,756 train / 2,000 test), 784-100-100-10 with ReLU        PyTorch: 91.5 %
 *   mnist-cnn:   MNIST, Conv2d(1, 32, 5) → AdaptiveMaxPool2d(4, 4) → Flatten → Linear(512, 32)
 *                → LeakyReLU(0.1) → Linear(32, 10) (the seed CNN, REFERENCE.md §1)  PyTorch: 96.5 %
 *   fashion-mlp: Fashion-MNIST, the 8,000-image training subset (the first 800 of each class)
 *                / 2,000 test, 784-100-100-10 with ReLU                              PyTorch: 83.8 %
 * PyTorch on one CPU thread: 0.8 s (MLP) and 8.1 s (CNN) for the 10 epochs.
 *   fashion-full: the fashion-mlp model and recipe on all 68,000 Fashion-MNIST training images
 *                (213 MB as float32: stored packed on adapters that bind less, nn/data/packed-images.ts),
 *                3 epochs unless --epochs; run only with --only fashion-full (no PyTorch figure yet).
 *
 * Prints, per recipe, the data loading time, the training time (all epochs, until the GPU is done;
 * pipelines compile during the first steps and are counted) and the test accuracy.
 * The e2e tests (test/e2e/train-*.test.ts) run these same functions.
 */
import { pathToFileURL } from 'node:url';
import { accuracy } from '../cl/eval/accuracy.js';
import { Generator, initDevice, tidy } from '../engine/index.js';
import { datasets, DataLoader, toDevice, type DatasetSplit } from '../nn/data/index.js';
import { LeakyReLU, ReLU } from '../nn/layers/activation.js';
import { Sequential } from '../nn/layers/container.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { AdaptiveMaxPool2d } from '../nn/layers/pool.js';
import { crossEntropy } from '../nn/losses/cross-entropy.js';
import { SGD } from '../nn/optim/sgd.js';

/** The recipes with a PyTorch reference run; main() runs these unless --only names another. */
export type PyTorchRecipe = 'mnist-mlp' | 'mnist-cnn' | 'fashion-mlp';
export type RecipeName = PyTorchRecipe | 'fashion-full';

/** PyTorch 1.13's test accuracy (%) after 10 epochs of each recipe. */
export const PYTORCH_ACCURACY: Record<PyTorchRecipe, number> = { 'mnist-mlp': 91.5, 'mnist-cnn': 96.5, 'fashion-mlp': 83.8 };

const DEFAULT_EPOCHS: Record<RecipeName, number> = { 'mnist-mlp': 10, 'mnist-cnn': 10, 'fashion-mlp': 10, 'fashion-full': 3 };

export interface RecipeOptions {
  epochs?: number;
  /** Seeds the initial weights and the shuffle. */
  seed?: number;
  /** Called after each epoch with the test accuracy in % (costs an evaluation per epoch). */
  onEpoch?: (epoch: number, accuracy: number) => void;
}

export interface RecipeResult {
  recipe: RecipeName;
  epochs: number;
  /** Test accuracy in %. */
  accuracy: number;
  loadSeconds: number;
  trainSeconds: number;
}

function model(recipe: RecipeName, generator: Generator): Sequential {
  if (recipe === 'mnist-cnn') {
    return new Sequential(
      new Conv2d(1, 32, 5, { generator }), new AdaptiveMaxPool2d([4, 4]), new Flatten(),
      new Linear(512, 32, { generator }), new LeakyReLU(0.1), new Linear(32, 10, { generator }),
    );
  }
  return new Sequential(
    new Flatten(), new Linear(784, 100, { generator }), new ReLU(),
    new Linear(100, 100, { generator }), new ReLU(), new Linear(100, 10, { generator }),
  );
}

/** The recipe's data: MNIST's default split, or Fashion-MNIST's (8,000 = the first 800 per class, or all 68,000). */
export function loadData(recipe: RecipeName): Promise<DatasetSplit> {
  if (recipe === 'fashion-full') return datasets.fashionMnist({ trainPerClass: 'all' });
  return recipe === 'fashion-mlp' ? datasets.fashionMnist({ trainSubset: 8000 }) : datasets.mnist();
}

/** Trains the recipe from scratch on the current device and returns its test accuracy. */
export async function runRecipe(recipe: RecipeName, opts: RecipeOptions = {}): Promise<RecipeResult> {
  const epochs = opts.epochs ?? DEFAULT_EPOCHS[recipe];
  const seed = opts.seed ?? 0;
  let t0 = performance.now();
  const split = await loadData(recipe);
  const train = toDevice(split.train);
  const test = toDevice(split.test);
  const loadSeconds = (performance.now() - t0) / 1000;
  const net = model(recipe, new Generator(seed));
  const opt = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed });
  try {
    t0 = performance.now();
    let evalMs = 0;
    for (let e = 0; e < epochs; e++) {
      for (const { x, y } of loader) {
        tidy(() => {
          opt.zeroGrad();
          crossEntropy(net.forward(x), y).backward();
          opt.step();
        });
      }
      // One epoch of encoding is synchronous; let timers and I/O (vitest's worker RPC) run between epochs.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (opts.onEpoch) {
        const t = performance.now();
        opts.onEpoch(e, 100 * (await accuracy(net, test)));
        evalMs += performance.now() - t;
      }
    }
    await train.device.sync();
    const trainSeconds = (performance.now() - t0 - evalMs) / 1000;
    return { recipe, epochs, accuracy: 100 * (await accuracy(net, test)), loadSeconds, trainSeconds };
  } finally {
    opt.zeroGrad();
    opt.dispose();
    net.dispose();
    train.dispose();
    test.dispose();
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const device = await initDevice();
  const info = device.adapterInfo;
  console.log(`device: ${device.backend}, ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ')}`);
  const epochs = arg('epochs');
  const seed = Number(arg('seed') ?? 0);
  const only = arg('only');
  if (only !== undefined && !(only in DEFAULT_EPOCHS)) throw new Error(`train-mnist: --only must be one of ${Object.keys(DEFAULT_EPOCHS).join(', ')}, got ${only}`);
  const recipes = only ? [only as RecipeName] : (Object.keys(PYTORCH_ACCURACY) as RecipeName[]);
  for (const recipe of recipes) {
    const r = await runRecipe(recipe, { epochs: epochs === undefined ? undefined : Number(epochs), seed });
    const reference = recipe in PYTORCH_ACCURACY ? ` (PyTorch ${PYTORCH_ACCURACY[recipe as PyTorchRecipe]} %)` : '';
    console.log(
      `${recipe.padEnd(12)} accuracy ${r.accuracy.toFixed(2)} %${reference}  ` +
      `train ${r.trainSeconds.toFixed(1)} s for ${r.epochs} epochs  data ${r.loadSeconds.toFixed(2)} s`,
    );
  }
  device.destroy();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
