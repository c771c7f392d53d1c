/**
 * What the built-in scenarios share: the usual MNIST normalisation, the loader options they pass
 * through, and the checks and clean-up every scenario does the same way.
 */
import type { LoadOptions } from '../../nn/data/datasets.js';
import type { TensorDataset } from '../../nn/data/loader.js';
import type { Experience, Scenario, Setting } from './experience.js';

/**
 * (x − 0.1307) / 0.3081: the mean and standard deviation of the MNIST training pixels, the
 * normalisation of PyTorch's MNIST examples and most continual-learning code. The built-in scenarios
 * use it for Fashion-MNIST too (its own statistics are 0.2860 / 0.3530), so that both datasets go
 * through one input transform. Rotated MNIST keeps the seed experiment's (0.15, 0.3).
 */
export const DEFAULT_NORMALIZATION = { mean: 0.1307, std: 0.3081 } as const;

/** Loader options a built-in scenario passes on to datasets.mnist() / fashionMnist(). */
export interface ScenarioLoadOptions {
  /** Training images per class (the loader's default: 800, fewer where the class has fewer). */
  trainPerClass?: LoadOptions['trainPerClass'];
  /** Test images per class: the last k of each class (default 200). */
  testPerClass?: number;
  /** Pixels become (x − mean) / std (default DEFAULT_NORMALIZATION). */
  normalize?: { mean: number; std: number };
  /** Fetch the class files from `${baseUrl}/0.json` … instead of node_modules (browsers). */
  baseUrl?: string;
  /** baseUrl holds packed class files (`0.bin` …, scripts/pack-datasets.ts) instead of the JSON. */
  packed?: boolean;
  /** Fetches the files from baseUrl (default the global fetch). */
  fetch?: (url: string) => Promise<Response>;
}

export const SETTINGS: readonly Setting[] = ['task', 'domain', 'class'];

export function checkSetting(op: string, setting: unknown): Setting {
  if (!SETTINGS.includes(setting as Setting)) {
    throw new TypeError(`${op}: setting must be 'task', 'domain' or 'class', got ${typeof setting === 'string' ? `'${setting}'` : String(setting)}`);
  }
  return setting as Setting;
}

/** The loader's options for a scenario: the given counts, the default normalisation unless one is given. */
export function loadOptions(opts: ScenarioLoadOptions): LoadOptions {
  const out: LoadOptions = { normalize: opts.normalize ?? DEFAULT_NORMALIZATION };
  if (opts.trainPerClass !== undefined) out.trainPerClass = opts.trainPerClass;
  if (opts.testPerClass !== undefined) out.testPerClass = opts.testPerClass;
  if (opts.baseUrl !== undefined) out.baseUrl = opts.baseUrl;
  if (opts.packed !== undefined) out.packed = opts.packed;
  if (opts.fetch !== undefined) out.fetch = opts.fetch;
  return out;
}

export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/** A scenario whose dispose() frees every experience's datasets (each dataset once) and then `extra`. */
export function makeScenario(fields: Omit<Scenario, 'dispose'>, extra?: () => void): Scenario {
  let disposed = false;
  return {
    ...fields,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      disposeExperiences(fields.experiences);
      extra?.();
    },
  };
}

/**
 * n experiences made from datasets uploaded for them (`sources`): each experience holds its own references
 * (views or gathered copies), so the sources are freed either way; a throw frees the experiences made so far.
 */
export function experiencesFrom(sources: readonly TensorDataset[], n: number, make: (i: number) => Experience): Experience[] {
  const experiences: Experience[] = [];
  try {
    for (let i = 0; i < n; i++) experiences.push(make(i));
    return experiences;
  } catch (e) {
    disposeExperiences(experiences);
    throw e;
  } finally {
    for (const s of sources) s.dispose();
  }
}

export function disposeExperiences(experiences: readonly Experience[]): void {
  const seen = new Set<TensorDataset>();
  for (const e of experiences) {
    for (const d of [e.train, e.test]) {
      if (!seen.has(d)) { seen.add(d); d.dispose(); }
    }
  }
}
