/**
 * The seed experiment (REFERENCE.md §1) with its own typed configuration: rotated MNIST with the seed's
 * models of gradient-projection layers, run by cl.Strategy through runExperiment (the registry's
 * 'rotated-mnist' scenario and the projection methods; 'baseline' is the same layers unprojected, the
 * registry's 'naive'). Per task: takeSnapshot on every layer; `epochs` passes of shuffled batches
 * with cross-entropy, gradient clipping by value and each layer's sgdStep; projComputation over the
 * task's training set; accuracy on every task's test set, giving row t of the accuracy matrix.
 */
import { runExperiment } from './run-experiment.js';
import type { Progress as StrategyProgress } from '../strategy/strategy.js';
import type { StrategyResult } from '../strategy/result.js';
import type { SeedModel } from './seed-models.js';

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
  /** R of NullSpace and GPM, every layer (default: DEFAULT_R, the seed's 0.01 for NullSpace, orthocl's 0.05 for GPM). */
  R?: number;
  seed: number;
  /** Images per class (defaults: the standard split, 800 train / 200 test, fewer where MNIST has fewer). */
  trainPerClass?: number;
  testPerClass?: number;
}

/**
 * Mesa software-rasteriser threads for this experiment (DeviceOptions.softwareThreads): 0, each batch-8
 * dispatch on the calling thread (8 epochs 49 s instead of 73 s, BENCHMARKS.md), unless the user set
 * LP_NUM_THREADS. The CLI and the table bench open their device with it.
 */
export function experimentSoftwareThreads(): number | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.LP_NUM_THREADS === undefined ? 0 : undefined;
}

/** The seed's recipe (REFERENCE.md §1). */
export const SEED_CONFIG: RotatedMnistConfig = {
  method: 'nullspace', model: 'cnn', angles: [0, 90, -45, 45], epochs: 1, batch: 8, lr: 0.005, clip: 15, seed: 0,
};

/** R per method when not given: the seed experiment's NullSpace(R=0.01), orthocl's GPM default 0.05. */
export const DEFAULT_R: Partial<Record<GradProjMethod, number>> = { nullspace: 0.01, gpm: 0.05 };

export type ExperimentResult = StrategyResult;
export type Progress = StrategyProgress;

/** Throws for a config the run cannot use; runRotatedMnist calls it first, the CLI before opening a device. */
export function checkRotatedMnistConfig(c: RotatedMnistConfig): void {
  if (!GRADPROJ_METHODS.includes(c.method)) throw new RangeError(`rotated-mnist: method must be one of ${GRADPROJ_METHODS.join(', ')}, got '${c.method}'`);
  if (c.model !== 'mlp' && c.model !== 'cnn') throw new RangeError(`rotated-mnist: model must be mlp or cnn, got '${c.model}'`);
  for (const k of ['epochs', 'batch'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`rotated-mnist: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (!(c.lr > 0)) throw new RangeError(`rotated-mnist: lr must be positive, got ${c.lr}`);
  if (!(c.clip > 0)) throw new RangeError(`rotated-mnist: clip must be positive, got ${c.clip}`);
  if (c.R !== undefined && !(c.R > 0 && c.R < 1)) throw new RangeError(`rotated-mnist: R must be in (0, 1), got ${c.R}`);
  // An empty test set has no accuracy; an empty training set leaves nothing to learn or to project.
  for (const k of ['trainPerClass', 'testPerClass'] as const) {
    const v = c[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new RangeError(`rotated-mnist: ${k} must be a positive integer, got ${v}`);
  }
}

export async function runRotatedMnist(config: RotatedMnistConfig, onProgress?: (p: Progress) => void): Promise<ExperimentResult> {
  checkRotatedMnistConfig(config);
  const R = config.R ?? DEFAULT_R[config.method];
  return runExperiment({
    scenario: 'rotated-mnist', method: config.method === 'baseline' ? 'naive' : config.method, seed: config.seed,
    model: config.model, epochs: config.epochs, batch: config.batch, lr: config.lr, clip: config.clip,
    scenarioOptions: { angles: config.angles, 'train-per-class': config.trainPerClass, 'test-per-class': config.testPerClass },
    methodOptions: R === undefined ? {} : { R: [R] },
  }, { onProgress });
}
