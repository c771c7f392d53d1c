// DataLoader: batches gathered on the GPU, seeded deterministic epochs, dropLast, memory.
import { describe, expect, it } from 'vitest';
import { reshape, tensor, tidy } from '../../../index.js';
import type { ImageDataset } from '../../../nn/data/datasets.js';
import { DataLoader, TensorDataset, toDevice, type Batch } from '../../../nn/data/loader.js';
import { useDevice } from '../../helpers/device.js';

/** 17 images of 1×2×3 whose pixels are 10·i + p, label i mod 5: each row says which sample it is. */
function tiny(n = 17): ImageDataset {
  return {
    images: Float32Array.from({ length: n * 6 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 5),
    n,
    shape: [1, 2, 3],
    numClasses: 5,
  };
}

/** The sample ids of every batch of one epoch, read back from x and checked against y. */
async function epochIds(loader: Iterable<Batch>): Promise<number[][]> {
  const batches: number[][] = [];
  for (const { x, y } of loader) {
    expect(x.shape.slice(1)).toEqual([1, 2, 3]);
    const xs = await x.toArray();
    const ys = await y.toArray();
    expect(y.dtype).toBe('int32');
    const ids = Array.from({ length: x.shape[0]! }, (_, r) => xs[r * 6]! / 10);
    ids.forEach((id, r) => {
      expect(Array.from(xs.subarray(r * 6, r * 6 + 6))).toEqual([0, 1, 2, 3, 4, 5].map((p) => 10 * id + p));
      expect(ys[r]).toBe(id % 5);
    });
    batches.push(ids);
  }
  return batches;
}

describe('DataLoader', () => {
  const device = useDevice();

  it('without shuffle: samples in order, the last batch short unless dropLast', async () => {
    const loader = new DataLoader(tiny(), { batchSize: 4 });
    expect(loader.length).toBe(5);
    const ids = await epochIds(loader);
    expect(ids).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15], [16]]);
    loader.dispose();
    const dropping = new DataLoader(tiny(), { batchSize: 4, dropLast: true });
    expect(dropping.length).toBe(4);
    expect((await epochIds(dropping)).flat()).toEqual(Array.from({ length: 16 }, (_, i) => i));
    dropping.dispose();
  });

  it('shuffle: each epoch a permutation; the same seed repeats the sequence, setEpoch replays one epoch', async () => {
    const a = new DataLoader(tiny(), { batchSize: 5, shuffle: true, seed: 3 });
    const e0 = (await epochIds(a)).flat();
    const e1 = (await epochIds(a)).flat();
    expect([...e0].sort((p, q) => p - q)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect([...e1].sort((p, q) => p - q)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(e1).not.toEqual(e0);
    expect(e0).not.toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(a.epoch).toBe(2);
    const b = new DataLoader(tiny(), { batchSize: 5, shuffle: true, seed: 3 });
    b.setEpoch(1);
    expect((await epochIds(b)).flat()).toEqual(e1);
    expect(Array.from(b.order(0))).toEqual(e0);
    const c = new DataLoader(tiny(), { batchSize: 5, shuffle: true, seed: 4 });
    expect(Array.from(c.order(0))).not.toEqual(e0);
    for (const l of [a, b, c]) l.dispose();
  });

  it('from(first): the next epoch from batch `first` on (a run resumed mid-epoch)', async () => {
    const a = new DataLoader(tiny(), { batchSize: 5, shuffle: true, seed: 3 });
    const e0 = await epochIds(a);
    const e1 = await epochIds(a);
    const b = new DataLoader(tiny(), { batchSize: 5, shuffle: true, seed: 3 });
    expect(await epochIds(b.from(2))).toEqual(e0.slice(2));
    expect(b.epoch).toBe(1);
    expect(await epochIds(b.from(3))).toEqual(e1.slice(3));
    expect(await epochIds(b.from(4))).toEqual([]);
    expect(() => b.from(5).next()).toThrow('DataLoader.from: first must be an integer in [0, 4] (the batches per epoch), got 5');
    for (const l of [a, b]) l.dispose();
  });

  it('disposes each batch at the next one and at the end (also on break); owns only what it uploaded', async () => {
    const data = toDevice(tiny());
    const base = device().stats().liveTensors;
    const loader = new DataLoader(data, { batchSize: 4 });
    let first: { x: { disposed: boolean } } | undefined;
    for (const batch of loader) {
      if (!first) { first = batch; continue; }
      expect(first.x.disposed).toBe(true);
      expect(device().stats().liveTensors).toBe(base + 2);
      break;
    }
    expect(device().stats().liveTensors).toBe(base);
    // Batches live outside scopes: a tidy() per step does not free them under the loader.
    for (const { x } of loader) tidy(() => { expect(x.disposed).toBe(false); });
    expect(device().stats().liveTensors).toBe(base);
    loader.dispose();
    expect(data.x.disposed).toBe(false);
    data.dispose();
    const owning = new DataLoader(tiny(), { batchSize: 4 });
    owning.dispose();
    expect(owning.dataset.x.disposed).toBe(true);
  });

  it('TensorDataset.withImages shares the labels; datasets outlive tidy()', async () => {
    const data = tidy(() => toDevice(tiny(3)));
    expect(data.x.disposed).toBe(false);
    const other = data.withImages(tensor(new Float32Array(3 * 6), [3, 1, 2, 3]));
    data.dispose();
    expect(Array.from(await other.y.toArray())).toEqual([0, 1, 2]);
    other.dispose();
  });

  it('names the class and the argument on bad input', () => {
    const data = toDevice(tiny(3));
    expect(() => new DataLoader(data, { batchSize: 0 })).toThrow('DataLoader: batchSize must be a positive integer, got 0');
    expect(() => new DataLoader(data, { seed: 0.5 })).toThrow('DataLoader: seed must be an integer, got 0.5');
    expect(() => new DataLoader({} as never)).toThrow('DataLoader: dataset must be a TensorDataset or an ImageDataset');
    expect(() => new DataLoader(data).setEpoch(-1)).toThrow('DataLoader.setEpoch: epoch must be a non-negative integer, got -1');
    const x = tensor(new Float32Array(4), [4]);
    const y = tensor([0, 1], [2], { dtype: 'int32' });
    expect(() => new TensorDataset(x, y)).toThrow('TensorDataset: x [4] must have one row per label (2)');
    tidy(() => expect(() => new TensorDataset(y, reshape(x, [2, 2]))).toThrow('TensorDataset: y must be 1-D int32 labels (or float32 regression targets), got float32 [2, 2]'));
    x.dispose(); y.dispose(); data.dispose();
    // Larger than one storage binding: said before anything is allocated (full Fashion-MNIST's
    // 68,000 training images are 213 MB; lavapipe binds at most 128 MiB).
    const limit = device().limits.maxStorageBufferBindingSize;
    const huge = { ...tiny(3), n: 68000, images: { byteLength: limit + 4 } as Float32Array };
    expect(() => toDevice(huge, undefined, { storage: 'float32' })).toThrow(`toDevice: 68000 images of [1, 2, 3] take ${limit + 4} bytes, more than this adapter's largest storage binding (${limit} bytes); use storage 'auto' or 'packed'`);
    // storage 'auto' packs it instead (test/nn/data/full-fashion.test.ts), after checking its size.
    expect(() => toDevice({ ...huge, images: Object.assign(huge.images, { length: 5 }) })).toThrow('toDevice: images hold 5 values, expected n·6 = 408000');
  });
});
