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
import { checkNumber, checkSameDevice, describe } from '../../engine/check.js';
import { checkTensor } from '../../engine/ops/map.js';
import type { ImageDataset } from './datasets.js';
import { PackedImages, pixelCodes } from './packed-images.js';

/**
 * Images and labels y [n] (int32) on one device. The images are either a float32 tensor x [n, ...]
 * or, for a dataset too large for one storage binding, a PackedImages store (one byte per pixel,
 * see packed-images.ts) that rows() unpacks batch by batch. Its tensors live outside tidy() scopes
 * (like parameters): dispose() frees them.
 */
export class TensorDataset {
  readonly y: Tensor;
  /** The packed store, or null when the images are the float32 tensor x. */
  readonly packed: PackedImages | null;
  private readonly images: Tensor | null;

  constructor(x: Tensor | PackedImages, y: Tensor) {
    checkTensor('TensorDataset', 'y', y);
    if (y.rank !== 1 || (y.dtype !== 'int32' && y.dtype !== 'float32')) throw new TypeError(`TensorDataset: y must be 1-D int32 labels (or float32 regression targets), got ${y.dtype} [${y.shape.join(', ')}]`);
    if (x instanceof PackedImages) {
      if (x.n !== y.size) throw new RangeError(`TensorDataset: ${x.n} packed images must have one label each (${y.size})`);
    } else {
      checkTensor('TensorDataset', 'x', x);
      if (x.rank < 1 || x.shape[0] !== y.size) {
        throw new RangeError(`TensorDataset: x [${x.shape.join(', ')}] must have one row per label (${y.size})`);
      }
    }
    checkSameDevice('TensorDataset', { x: x instanceof PackedImages ? null : x, y });
    this.packed = x instanceof PackedImages ? x : null;
    this.images = x instanceof PackedImages ? null : keep(x);
    this.y = keep(y);
  }

  /**
   * The images as one float32 tensor [n, ...]. A packed dataset has none (it would not fit one
   * storage binding): draw batches from a DataLoader, or rows(indices).
   */
  get x(): Tensor {
    if (this.images) return this.images;
    throw new Error(`TensorDataset.x: these ${this.n} images are stored packed, one byte per pixel, not as one float32 tensor (which would take ${4 * this.n * this.packed!.pixels} bytes); use DataLoader batches or rows(indices)`);
  }

  get n(): number {
    return this.y.size;
  }

  get device(): Device {
    return this.y.device;
  }

  /** float32 [m, ...]: the images at int32 indices [m], gathered (and unpacked) on the GPU. */
  rows(indices: Tensor): Tensor {
    checkTensor('TensorDataset.rows', 'indices', indices);
    if (indices.dtype !== 'int32' || indices.rank !== 1) throw new TypeError(`TensorDataset.rows: indices must be 1-D int32, got ${indices.dtype} [${indices.shape.join(', ')}]`);
    if (indices.device !== this.device) throw new Error('TensorDataset.rows: indices live on another device');
    return this.packed ? this.packed.gather(indices) : gather(this.images!, indices, 0);
  }

  /** The same labels (shared, not copied) with other images: e.g. rotate(ds.x, 90) for the next task. */
  withImages(x: Tensor): TensorDataset {
    return new TensorDataset(x, this.y.view(this.y.shape));
  }

  dispose(): void {
    this.images?.dispose();
    this.packed?.dispose();
    this.y.dispose();
  }
}

export interface ToDeviceOptions {
  /**
   * How the images are stored: 'float32' (a tensor x), 'packed' (one byte per pixel: needs at most
   * 256 distinct pixel values), or 'auto' (default): float32 when it fits one storage binding,
   * else packed.
   */
  storage?: 'auto' | 'float32' | 'packed';
}

/**
 * Uploads a host dataset once: images [n, C, H, W] float32 (or packed, see ToDeviceOptions), y [n] int32.
 * Batches are the same either way, bit for bit.
 */
export function toDevice(dataset: ImageDataset, device?: Device, opts: ToDeviceOptions = {}): TensorDataset {
  const dev = device ?? getDevice();
  const storage = opts.storage ?? 'auto';
  if (storage !== 'auto' && storage !== 'float32' && storage !== 'packed') {
    throw new TypeError(`toDevice: storage must be 'auto', 'float32' or 'packed', got ${String(storage)}`);
  }
  const bytes = dataset.images.byteLength;
  const limit = dev.limits.maxStorageBufferBindingSize;
  const what = `${dataset.n} images of [${dataset.shape.join(', ')}]`;
  const y = () => tensor(dataset.labels, [dataset.n], { dtype: 'int32', device: dev });
  if (storage === 'float32' || (storage === 'auto' && bytes <= limit)) {
    if (bytes > limit) {
      throw new RangeError(`toDevice: ${what} take ${bytes} bytes, more than this adapter's largest storage binding (${limit} bytes); use storage 'auto' or 'packed', or load fewer (trainPerClass, trainSubset)`);
    }
    return new TensorDataset(tensor(dataset.images, [dataset.n, ...dataset.shape], { device: dev }), y());
  }
  const pixels = dataset.shape.reduce((a, d) => a * d, 1);
  const packedBytes = dataset.n * 4 * Math.ceil(pixels / 4);
  if (packedBytes > limit) {
    throw new RangeError(`toDevice: ${what} take ${packedBytes} bytes even packed one byte per pixel, more than this adapter's largest storage binding (${limit} bytes); load fewer (trainPerClass, trainSubset)`);
  }
  if (dataset.images.length !== dataset.n * pixels) {
    throw new RangeError(`toDevice: images hold ${dataset.images.length} values, expected n·${pixels} = ${dataset.n * pixels}`);
  }
  const codes = pixelCodes(dataset.images, pixels);
  if (!codes) {
    const why = storage === 'packed' ? '' : ` as float32 they take ${bytes} bytes, more than this adapter's largest storage binding (${limit} bytes), and`;
    throw new RangeError(`toDevice: cannot pack ${what}:${why} their pixels take more than 256 distinct values; load fewer (trainPerClass, trainSubset)`);
  }
  return new TensorDataset(new PackedImages(dev, codes, dataset.n, dataset.shape), y());
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
  /** The dataset rows of this batch, on the host (a DataLoader sets it; plugins such as replay read it). */
  indices?: Int32Array;
}

/**
 * Iterating a DataLoader runs one epoch: `for (const {x, y} of loader) { ... }`. Each iteration
 * uses the next epoch number (0, 1, ...); setEpoch(e) jumps to epoch e.
 * Given a host ImageDataset, the loader uploads it once (toDevice, storage 'auto': packed one byte
 * per pixel when float32 would not fit one storage binding) and owns it (dispose() frees it); given a
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
    const batchSize = checkNumber('DataLoader', 'batchSize', opts.batchSize ?? 64, { integer: true, min: 1 });
    const seed = checkNumber('DataLoader', 'seed', opts.seed ?? 0, { integer: true });
    this.owned = !(dataset instanceof TensorDataset);
    if (this.owned && !isImageDataset(dataset)) {
      throw new TypeError(`DataLoader: dataset must be a TensorDataset or an ImageDataset ({images, labels, n, shape, numClasses}), got ${describe(dataset)}`);
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
    yield* this.from(0);
  }

  /** The next epoch's batches from batch `first` on; those before it are not made (a run resumed in the middle of an epoch). */
  *from(first: number): IterableIterator<Batch> {
    if (!Number.isInteger(first) || first < 0 || first > this.length) throw new RangeError(`DataLoader.from: first must be an integer in [0, ${this.length}] (the batches per epoch), got ${first}`);
    const order = this.order(this.nextEpoch++);
    const dataset = this.dataset;
    let batch: Batch | undefined;
    try {
      for (let b = first; b < this.length; b++) {
        disposeBatch(batch);
        const ids = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
        const index = tensor(ids, [ids.length], { dtype: 'int32', device: dataset.device });
        batch = { x: keep(dataset.rows(index)), y: keep(gather(dataset.y, index, 0)), indices: ids };
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
