/**
 * A dataset on the GPU and the minibatches drawn from it.
 *
 * The images and labels are uploaded once (TensorDataset). A batch uploads only its list of sample
 * indices (int32, batchSize·4 bytes) and gathers its rows of x and y on the GPU: no per-sample work
 * in JS, no readback.
 *
 * Order: without shuffle, 0..n−1. With shuffle, epoch e visits a permutation drawn from the e-th
 * generator forked from Generator(seed) — the same seed gives the same order on every run and
 * machine, and any epoch can be replayed on its own (setEpoch, after resuming from a checkpoint).
 *
 * Memory: each batch's x and y live outside tidy() scopes and belong to the loader, which disposes
 * them when it makes the next batch and when the iteration ends (also by `break` or a throw): use a
 * batch within its loop step and clone() what must outlive it. Disposing them yourself is harmless.
 */
import { gather, getDevice, keep, tensor, Generator, type Device, type Tensor } from '../../engine/index.js';
import { checkTensor } from '../../engine/ops/map.js';
import type { ImageDataset } from './datasets.js';

/**
 * Images x [n, ...] (float32) and labels y [n] (int32) on one device. Its tensors live outside
 * tidy() scopes (like parameters): dispose() frees them.
 */
export class TensorDataset {
  readonly x: Tensor;
  readonly y: Tensor;

  constructor(x: Tensor, y: Tensor) {
    checkTensor('TensorDataset', 'x', x);
    checkTensor('TensorDataset', 'y', y);
    if (y.dtype !== 'int32' || y.rank !== 1) throw new TypeError(`TensorDataset: y must be 1-D int32 labels, got ${y.dtype} [${y.shape.join(', ')}]`);
    if (x.rank < 1 || x.shape[0] !== y.size) {
      throw new RangeError(`TensorDataset: x [${x.shape.join(', ')}] must have one row per label (${y.size})`);
    }
    if (x.device !== y.device) throw new Error('TensorDataset: x and y live on different devices');
    this.x = keep(x);
    this.y = keep(y);
  }

  get n(): number {
    return this.y.size;
  }

  /** The same labels (shared, not copied) with other images: e.g. rotate(ds.x, 90) for the next task. */
  withImages(x: Tensor): TensorDataset {
    return new TensorDataset(x, this.y.view(this.y.shape));
  }

  dispose(): void {
    this.x.dispose();
    this.y.dispose();
  }
}

/** Uploads a host dataset once: x [n, C, H, W] float32, y [n] int32. */
export function toDevice(dataset: ImageDataset, device?: Device): TensorDataset {
  const dev = device ?? getDevice();
  const bytes = dataset.images.byteLength;
  const limit = dev.limits.maxStorageBufferBindingSize;
  if (bytes > limit) {
    throw new RangeError(`toDevice: ${dataset.n} images of [${dataset.shape.join(', ')}] take ${bytes} bytes, more than this adapter's largest storage binding (${limit} bytes); load fewer (trainPerClass, trainSubset)`);
  }
  const x = tensor(dataset.images, [dataset.n, ...dataset.shape], { device: dev });
  const y = tensor(dataset.labels, [dataset.n], { dtype: 'int32', device: dev });
  return new TensorDataset(x, y);
}

export interface DataLoaderOptions {
  /** Samples per batch (default 64). */
  batchSize?: number;
  /** A new seeded order every epoch (default false: 0..n−1). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /** Skip the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
}

export interface Batch {
  /** [b, ...] rows of the dataset's x. */
  x: Tensor;
  /** [b] int32 labels. */
  y: Tensor;
}

/**
 * Iterating a DataLoader runs one epoch: `for (const {x, y} of loader) { ... }`. Each iteration
 * uses the next epoch number (0, 1, ...); setEpoch(e) jumps to epoch e.
 * Given a host ImageDataset, the loader uploads it once and owns it (dispose() frees it); given a
 * TensorDataset, the caller keeps ownership.
 */
export class DataLoader implements Iterable<Batch> {
  readonly dataset: TensorDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  private readonly owned: boolean;
  private nextEpoch = 0;

  constructor(dataset: TensorDataset | ImageDataset, opts: DataLoaderOptions = {}) {
    const batchSize = opts.batchSize ?? 64;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed)) throw new TypeError(`DataLoader: seed must be an integer, got ${seed}`);
    this.owned = !(dataset instanceof TensorDataset);
    if (this.owned && !isImageDataset(dataset)) {
      throw new TypeError('DataLoader: dataset must be a TensorDataset or an ImageDataset ({images, labels, n, shape, numClasses})');
    }
    this.dataset = dataset instanceof TensorDataset ? dataset : toDevice(dataset);
    this.batchSize = batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.seed = seed;
    this.dropLast = opts.dropLast ?? false;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.n;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The epoch the next iteration runs. */
  get epoch(): number {
    return this.nextEpoch;
  }

  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`DataLoader.setEpoch: epoch must be a non-negative integer, got ${epoch}`);
    this.nextEpoch = epoch;
  }

  /** The sample order of epoch e: the e-th fork of Generator(seed) permutes 0..n−1. */
  order(epoch: number): Int32Array {
    const n = this.dataset.n;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    const root = new Generator(this.seed);
    let g = root.fork();
    for (let e = 0; e < epoch; e++) g = root.fork();
    return g.permutation(n);
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const order = this.order(this.nextEpoch++);
    const { x, y } = this.dataset;
    let batch: Batch | undefined;
    try {
      for (let b = 0; b < this.length; b++) {
        disposeBatch(batch);
        const ids = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
        const index = tensor(ids, [ids.length], { dtype: 'int32', device: x.device });
        batch = { x: keep(gather(x, index, 0)), y: keep(gather(y, index, 0)) };
        index.dispose();
        yield batch;
      }
    } finally {
      disposeBatch(batch);
    }
  }

  /** Frees the dataset if the loader uploaded it. */
  dispose(): void {
    if (this.owned) this.dataset.dispose();
  }
}

function disposeBatch(batch: Batch | undefined): void {
  batch?.x.dispose();
  batch?.y.dispose();
}

function isImageDataset(d: unknown): d is ImageDataset {
  const v = d as Partial<ImageDataset> | null;
  return !!v && v.images instanceof Float32Array && v.labels instanceof Int32Array && typeof v.n === 'number' && Array.isArray(v.shape);
}
