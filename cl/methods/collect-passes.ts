/**
 * The forward passes that feed projection calculators after an experience: over its whole training set,
 * or over `samples` of its images drawn without replacement (GPM's recipe: 300), seeded by (seed, index).
 */
import { Generator, tidy } from '../../engine/index.js';
import { DataLoader } from '../../nn/data/loader.js';
import { sampleRows } from '../util/sample-rows.js';
import type { Module } from '../../nn/module.js';
import type { Experience } from '../scenarios/experience.js';

export interface SampleOptions {
  /** Training samples per experience (default: all). */
  samples?: number;
  /** Seed of the sample choice (default 0). */
  seed?: number;
}

export function checkSamples(owner: string, samples: unknown): void {
  if (samples !== undefined && !(Number.isInteger(samples) && (samples as number) > 0)) {
    throw new RangeError(`${owner}: options.samples must be a positive integer, got ${JSON.stringify(samples)}`);
  }
}

/** Runs model.forward over the experience's chosen training images in batches of 512 (the caller sets the mode). */
export function forwardOverTraining(model: Module, experience: Experience, opts: SampleOptions): void {
  const data = experience.train;
  const n = Math.min(opts.samples ?? data.n, data.n);
  const chosen = n < data.n ? sampleRows(data, n, new Generator((opts.seed ?? 0) * 7919 + experience.index)) : data;
  try {
    for (const { x } of new DataLoader(chosen, { batchSize: 512 })) tidy(() => { model.forward(x); });
  } finally {
    if (chosen !== data) chosen.dispose();
  }
}
