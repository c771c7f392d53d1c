// The full Fashion-MNIST training set (68,000 images: 213 MB as float32, over lavapipe's 128 MiB
// storage binding) through toDevice / DataLoader, stored packed; storage options and their errors.
import { describe, expect, it } from 'vitest';
import { tensor } from '../../../index.js';
import { fashionMnist, type ImageDataset } from '../../../nn/data/datasets.js';
import { DataLoader, toDevice } from '../../../nn/data/loader.js';
import { useDevice } from '../../helpers/device.js';

const PIX = 784;

describe('DataLoader over the full Fashion-MNIST training set', () => {
  const device = useDevice();

  it('packs automatically when float32 would not fit one binding; batches match the host arrays; frees all', async () => {
    const { train } = await fashionMnist({ trainPerClass: 'all' });
    expect(train.n).toBe(68000);
    const base = device().stats().liveTensors;
    const loader = new DataLoader(train, { batchSize: 4099, shuffle: true, seed: 5 });
    expect(train.images.byteLength).toBeGreaterThan(device().limits.maxStorageBufferBindingSize);
    expect(loader.dataset.packed).not.toBeNull();
    expect(() => loader.dataset.x).toThrow(/TensorDataset\.x: these 68000 images are stored packed.*DataLoader batches or rows/);
    const order = loader.order(0);
    let b = 0;
    let seen = 0;
    for (const { x, y } of loader) {
      expect(x.shape).toEqual([b < loader.length - 1 ? 4099 : 68000 - 16 * 4099, 1, 28, 28]);
      expect(x.dtype).toBe('float32');
      expect(y.dtype).toBe('int32');
      // Read back the first batch, one in the middle and the last (short) one; check 5 rows each.
      if (b === 0 || b === 8 || b === loader.length - 1) {
        const xs = (await x.toArray()) as Float32Array;
        const ys = await y.toArray();
        for (const r of [0, 1, 1000 % x.shape[0]!, x.shape[0]! - 2, x.shape[0]! - 1]) {
          const id = order[b * 4099 + r]!;
          expect(xs.subarray(r * PIX, (r + 1) * PIX)).toEqual(train.images.subarray(id * PIX, (id + 1) * PIX));
          expect(ys[r]).toBe(train.labels[id]);
        }
      }
      seen += x.shape[0]!;
      b++;
    }
    expect(b).toBe(17);
    expect(seen).toBe(68000);
    loader.dispose();
    expect(device().stats().liveTensors).toBe(base);
  });

  it('storage options: float32 by default when it fits, packed on request, clear errors otherwise', async () => {
    const { train } = await fashionMnist({ trainSubset: 20 });
    const auto = toDevice(train);
    expect(auto.packed).toBeNull();
    expect(auto.x.shape).toEqual([20, 1, 28, 28]);
    auto.dispose();
    const many: ImageDataset = { images: Float32Array.from({ length: 300 }, (_, k) => k), labels: new Int32Array(3), n: 3, shape: [1, 10, 10], numClasses: 1 };
    expect(() => toDevice(many, undefined, { storage: 'packed' })).toThrow("toDevice: cannot pack 3 images of [1, 10, 10]: their pixels take more than 256 distinct values; load fewer (trainPerClass, trainSubset)");
    expect(() => toDevice(many, undefined, { storage: 'f16' as 'auto' })).toThrow("toDevice: storage must be 'auto', 'float32' or 'packed', got f16");
    const packed = toDevice(train, undefined, { storage: 'packed' });
    const bad = tensor([0, 1], [2]);
    expect(() => packed.rows(bad)).toThrow('TensorDataset.rows: indices must be 1-D int32, got float32 [2]');
    bad.dispose();
    packed.dispose();
  });
});
