/**
 * The seed experiment as a function: rotated MNIST with gradient-projection layers, one projector
 * per layer recomputed after every task (REFERENCE.md §1). Per task: takeSnapshot on every layer;
 * `epochs` passes of shuffled batches with cross-entropy, gradient clipping by value and each layer's
 * sgdStep; projComputation over the task's training set; accuracy on every task's test set, giving
 * row t of the accuracy matrix. The baseline is the same model with projection disabled.
 */
import { Generator, getDevice, tidy } from '../../engine/index.js';
import { clipGradValue } from '../../nn/clip.js';
import { DataLoader } from '../../nn/data/loader.js';
import { crossEntropy } from '../../nn/losses/cross-entropy.js';
import { accuracy } from '../eval/accuracy.js';
import { GPM } from '../gradproj/calculators/gpm.js';
import { LowPlasticity } from '../gradproj/calculators/low-plasticity.js';
import { NullSpace } from '../gradproj/calculators/null-space.js';
import { ZeroPlasticity } from '../gradproj/calculators/zero-plasticity.js';
import type { ProjectionCalculator } from '../gradproj/calculators/calculator.js';
import { gradprojLayers, projComputation } from '../gradproj/proj-computation.js';
import { summarize } from '../metrics.js';
import { rotatedMnist } from '../scenarios/rotated-mnist.js';
import { seedModel, type SeedModel } from './seed-models.js';

export const GRADPROJ_METHODS = ['nullspace', 'gpm', 'lowplasticity', 'zeroplasticity', 'baseline'] as const;
export type GradProjMethod = (typeof GRADPROJ_METHODS)[number];

export interface RotatedMnistConfig {
  method: GradProjMethod;
  model: SeedModel;
  angles: number[];
  epochs: number;
  batch: number;
  lr: number;
  clip: number;
  /** R of NullSpace and GPM (default: DEFAULT_R, the seed's 0.01 for NullSpace, orthocl's 0.05 for GPM). */
  R?: number;
  seed: number;
  /** Images per class (defaults: the standard split, 800 train / 200 test, fewer where MNIST has fewer). */
  trainPerClass?: number;
  testPerClass?: number;
}

/** The seed's recipe (REFERENCE.md §1). */
/**
 * Mesa software-rasteriser threads for this experiment (DeviceOptions.softwareThreads): 0, each batch-8
 * dispatch on the calling thread (8 epochs 49 s instead of 73 s, BENCHMARKS.md), unless the user set
 * LP_NUM_THREADS. The CLI and the table bench open their device with it.
 */
export function experimentSoftwareThreads(): number | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.LP_NUM_THREADS === undefined ? 0 : undefined;
}

export const SEED_CONFIG: RotatedMnistConfig = {
  method: 'nullspace', model: 'cnn', angles: [0, 90, -45, 45], epochs: 1, batch: 8, lr: 0.005, clip: 15, seed: 0,
};

/** R per method when not given: the seed experiment's NullSpace(R=0.01), orthocl's GPM default 0.05. */
export const DEFAULT_R: Partial<Record<GradProjMethod, number>> = { nullspace: 0.01, gpm: 0.05, baseline: 0.01 };

export interface ExperimentResult {
  scenario: 'rotated-mnist';
  method: GradProjMethod;
  model: SeedModel;
  config: RotatedMnistConfig;
  /** accuracyMatrix[i][j]: accuracy on task j after training task i. */
  accuracyMatrix: number[][];
  acc: number;
  bwt: number;
  forgetting: number;
  seconds: number;
  /** Where the time went (seconds): training steps, projector computation, evaluation, data. */
  timings: { data: number; train: number; projection: number; evaluation: number };
}

export interface Progress {
  task: number;
  tasks: number;
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
}

/**
 * Lets timers, I/O and the caller's callbacks run during a long synchronous training loop:
 * setImmediate where it exists (Node), since setTimeout(0) waits at least 1 ms there (0.7 s over
 * the 8-epoch seed run's 620 yields).
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

function calculator(method: GradProjMethod, R: number): () => ProjectionCalculator {
  switch (method) {
    case 'nullspace': case 'baseline': return () => new NullSpace({ R });
    case 'gpm': return () => new GPM({ R });
    case 'lowplasticity': return () => new LowPlasticity();
    case 'zeroplasticity': return () => new ZeroPlasticity();
  }
}

function checkConfig(c: RotatedMnistConfig): void {
  if (!GRADPROJ_METHODS.includes(c.method)) throw new RangeError(`rotated-mnist: method must be one of ${GRADPROJ_METHODS.join(', ')}, got '${c.method}'`);
  if (c.model !== 'mlp' && c.model !== 'cnn') throw new RangeError(`rotated-mnist: model must be mlp or cnn, got '${c.model}'`);
  for (const k of ['epochs', 'batch'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`rotated-mnist: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (!(c.lr > 0)) throw new RangeError(`rotated-mnist: lr must be positive, got ${c.lr}`);
  if (!(c.clip > 0)) throw new RangeError(`rotated-mnist: clip must be positive, got ${c.clip}`);
  if (c.R !== undefined && !(c.R > 0 && c.R < 1)) throw new RangeError(`rotated-mnist: R must be in (0, 1), got ${c.R}`);
}

export async function runRotatedMnist(config: RotatedMnistConfig, onProgress?: (p: Progress) => void): Promise<ExperimentResult> {
  checkConfig(config);
  const device = getDevice();
  const start = performance.now();
  const timings = { data: 0, train: 0, projection: 0, evaluation: 0 };
  let mark = start;
  const lap = async (key: keyof typeof timings) => {
    await device.sync();
    const now = performance.now();
    timings[key] += (now - mark) / 1000;
    mark = now;
  };

  const scenario = await rotatedMnist(config.angles, { trainPerClass: config.trainPerClass, testPerClass: config.testPerClass });
  const model = seedModel(config.model, calculator(config.method, config.R ?? DEFAULT_R[config.method] ?? 0.05), new Generator(config.seed));
  const layers = gradprojLayers(model);
  if (config.method === 'baseline') layers.forEach((l) => l.disable());
  const params = model.parameters();
  await lap('data');

  const T = scenario.tasks.length;
  const matrix: number[][] = [];
  try {
    for (let t = 0; t < T; t++) {
      const task = scenario.tasks[t]!;
      for (const l of layers) l.takeSnapshot();
      const loader = new DataLoader(task.train, { batchSize: config.batch, shuffle: true, seed: config.seed * 7919 + t });
      for (let epoch = 0; epoch < config.epochs; epoch++) {
        let step = 0;
        for (const { x, y } of loader) {
          tidy(() => {
            crossEntropy(model.forward(x), y).backward();
            clipGradValue(params, config.clip);
            for (const l of layers) l.sgdStep({ lr: config.lr });
          });
          if (++step % 50 === 0 || step === loader.length) {
            onProgress?.({ task: t, tasks: T, epoch, epochs: config.epochs, step, steps: loader.length });
            await yieldToEventLoop();
          }
        }
      }
      await lap('train');
      if (config.method !== 'baseline') {
        await projComputation(model, () => {
          for (const { x } of new DataLoader(task.train, { batchSize: 512 })) tidy(() => { model.forward(x); });
        });
      }
      await lap('projection');
      const row: number[] = [];
      for (const other of scenario.tasks) row.push(await accuracy(model, other.test));
      matrix.push(row);
      await lap('evaluation');
    }
  } finally {
    model.dispose();
    scenario.dispose();
  }
  return {
    scenario: 'rotated-mnist',
    method: config.method,
    model: config.model,
    config: { ...config, R: config.R ?? DEFAULT_R[config.method] },
    accuracyMatrix: matrix,
    ...summarize(matrix),
    seconds: (performance.now() - start) / 1000,
    timings,
  };
}
