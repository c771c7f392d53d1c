/**
 * Permuted MNIST (domain-incremental; Goodfellow et al. 2013, Kirkpatrick et al. 2017): task t is
 * MNIST with one fixed permutation π_t of the 784 pixels, the same for every image of the task,
 *   x_t[p] = x[π_t[p]]   (p = 0..783, row-major over the 28×28 image),
 * labels the digits 0..9 in every task (one shared head of 10 outputs).
 *
 * Permutations: task t's is drawn (Fisher–Yates) from the t-th generator forked from
 * Generator(seed), so the same seed gives the same stream on every machine, and a task's
 * permutation does not depend on how many tasks follow it. With identityFirst (the default, as in
 * most papers) task 0 is the unpermuted MNIST; its fork is still drawn, so task 1 is the same
 * either way.
 *
 * Pixels are normalised (x − 0.1307)/0.3081 on the host, then uploaded once and permuted once per
 * task on the GPU (one gather along the pixel axis of [n, 784]); batches then cost nothing extra.
 */
import { gather, reshape, tensor, tidy, Generator, type Tensor } from '../../engine/index.js';
import { mnist } from '../../nn/data/datasets.js';
import { toDevice, type TensorDataset } from '../../nn/data/loader.js';
import { experiencesFrom, loadOptions, makeScenario, range, type ScenarioLoadOptions } from './common.js';
import type { Scenario } from './experience.js';

export { DEFAULT_NORMALIZATION } from './common.js';

const PIXELS = 28 * 28;

export interface PermutedMnistOptions extends ScenarioLoadOptions {
  /** Number of tasks (default 5). */
  tasks?: number;
  /** Seed of the permutations (default 0). */
  seed?: number;
  /** Task 0 is plain MNIST (default true). */
  identityFirst?: boolean;
}

export interface PermutedMnist extends Scenario {
  /** π_t for each task: task t's pixel p is the original pixel permutations[t][p]. */
  readonly permutations: readonly Int32Array[];
}

/** The pixel permutations of permutedMnist({tasks, seed, identityFirst}), computed on the host alone. */
export function mnistPermutations(tasks: number, seed = 0, identityFirst = true): Int32Array[] {
  if (!Number.isInteger(tasks) || tasks < 1) throw new RangeError(`permutedMnist: tasks must be a positive integer, got ${String(tasks)}`);
  if (!Number.isInteger(seed)) throw new TypeError(`permutedMnist: seed must be an integer, got ${String(seed)}`);
  const root = new Generator(seed);
  return range(tasks).map((t) => {
    const g = root.fork();
    return t === 0 && identityFirst ? Int32Array.from(range(PIXELS)) : g.permutation(PIXELS);
  });
}

/** x [n, 1, 28, 28] with its pixels permuted: out[i, p] = x[i, perm[p]]. */
function permute(x: Tensor, perm: Int32Array): Tensor {
  return tidy(() => {
    const index = tensor(perm, [PIXELS], { dtype: 'int32', device: x.device });
    return reshape(gather(reshape(x, [x.shape[0]!, PIXELS]), index, 1), x.shape);
  });
}

function isIdentity(perm: Int32Array): boolean {
  return perm.every((v, i) => v === i);
}

/** Same labels (shared), images permuted; the identity shares the images too. */
function permuted(ds: TensorDataset, perm: Int32Array): TensorDataset {
  return ds.withImages(isIdentity(perm) ? ds.x.view(ds.x.shape) : permute(ds.x, perm));
}

export async function permutedMnist(opts: PermutedMnistOptions = {}): Promise<PermutedMnist> {
  const permutations = mnistPermutations(opts.tasks ?? 5, opts.seed ?? 0, opts.identityFirst ?? true);
  const split = await mnist(loadOptions(opts));
  const train = toDevice(split.train, undefined, { storage: 'float32' });
  const test = toDevice(split.test, undefined, { storage: 'float32' });
  // Each task holds its own references (views of the labels, and of the images for the identity).
  const experiences = experiencesFrom([train, test], permutations.length, (t) => ({
    index: t,
    taskId: 0,
    name: isIdentity(permutations[t]!) ? 'identity' : `permutation ${t}`,
    classes: range(10),
    train: permuted(train, permutations[t]!),
    test: permuted(test, permutations[t]!),
  }));
  const scenario = makeScenario({ name: 'permuted-mnist', setting: 'domain', inputShape: [1, 28, 28], outputs: 10, heads: 1, experiences });
  return { ...scenario, permutations };
}
