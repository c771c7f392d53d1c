// Image transforms on the GPU (rotate, permutePixels) against host maps; classSubset on host data.
import { describe, expect, it } from 'vitest';
import { tensor, tidy } from '../../../index.js';
import type { ImageDataset } from '../../../nn/data/datasets.js';
import { rotationMap } from '../../../nn/data/rotate.js';
import { classSubset, permutePixels, pixelPermutation, rotate } from '../../../nn/data/transforms.js';
import { useDevice } from '../../helpers/device.js';
import { expectClose, randomArray } from '../../helpers/numeric.js';

/** Host application of a map to each image of a batch (float64). */
function applyHost(map: ReturnType<typeof rotationMap>, images: ArrayLike<number>, count: number): number[] {
  const P = map.height * map.width;
  const out: number[] = [];
  for (let n = 0; n < count; n++) {
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let k = 0; k < map.taps; k++) s += map.weight[k * P + p]! * images[n * P + map.index[k * P + p]!]!;
      out.push(s);
    }
  }
  return out;
}

describe('transforms on the GPU', () => {
  useDevice();

  it('rotate turns an L by 90° counter-clockwise, for every image and channel of a batch', async () => {
    const L = [0, 1, 0, 0, 1, 0, 0, 1, 1]; // 3×3: bar down column 1, foot to the right at the bottom
    const want = [0, 0, 1, 1, 1, 1, 0, 0, 0]; // bar along row 1 pointing left from the corner (1, 2), foot pointing up
    const x = tensor([...L, ...L.map((v) => 2 * v)], [2, 1, 3, 3]);
    const y = rotate(x, 90);
    expect(y.shape).toEqual([2, 1, 3, 3]);
    expect(Array.from(await y.toArray())).toEqual([...want, ...want.map((v) => 2 * v)]);
    x.dispose(); y.dispose();
  });

  it('rotate equals the host map exactly (nearest) and to float32 rounding (bilinear) on a 3×17×17 batch', async () => {
    const data = randomArray(3 * 17 * 17, 5, 0, 1);
    const x = tensor(Float32Array.from(data), [3, 17, 17]);
    const xf = Float32Array.from(data);
    for (const deg of [45, -45, 33]) {
      const near = rotate(x, deg);
      expect(Array.from(await near.toArray()), `${deg}° nearest`).toEqual(applyHost(rotationMap(17, 17, deg), xf, 3));
      const bil = rotate(x, deg, { interpolation: 'bilinear' });
      // Four float32 products and three sums of values in [0, 1] with weights summing to ≤ 1: ≤ 7 roundings of ≤ 1 → 1e-6.
      expectClose(await bil.toArray(), applyHost(rotationMap(17, 17, deg, 'bilinear'), xf, 3), { atol: 1e-6 }, `${deg}° bilinear`);
      near.dispose(); bil.dispose();
    }
    x.dispose();
  });

  it('permutePixels applies one seeded permutation to every image; the same seed gives the same one', async () => {
    const perm = pixelPermutation(12, 7);
    expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(pixelPermutation(12, 7)).toEqual(perm);
    expect(pixelPermutation(12, 8)).not.toEqual(perm);
    const data = Float32Array.from({ length: 2 * 12 }, (_, i) => i);
    const x = tensor(data, [2, 1, 3, 4]);
    const y = permutePixels(x, 7);
    const want = [0, 1].flatMap((n) => Array.from(perm, (src) => data[n * 12 + src]!));
    expect(Array.from(await y.toArray())).toEqual(want);
    x.dispose(); y.dispose();
  });

  it('frees its intermediates (index maps, gathered taps)', () => {
    const x = tensor(new Float32Array(2 * 5 * 5), [2, 5, 5]);
    const before = x.device.stats().liveTensors;
    tidy(() => rotate(x, 10, { interpolation: 'bilinear' })).dispose();
    expect(x.device.stats().liveTensors).toBe(before);
    x.dispose();
  });

  it('names the op and the argument on bad input', () => {
    const flat = tensor(new Float32Array(4), [4]);
    expect(() => rotate(flat, 90)).toThrow('rotate: images must be [..., H, W], got [4]');
    expect(() => permutePixels(flat, 1)).toThrow('permutePixels: images must be [..., H, W], got [4]');
    const ints = tensor([1, 2, 3, 4], [2, 2], { dtype: 'int32' });
    expect(() => rotate(ints, 90)).toThrow('rotate: x must be float32, got int32');
    expect(() => rotate([1, 2] as never, 90)).toThrow('rotate: images must be a Tensor, got an array');
    flat.dispose(); ints.dispose();
  });
});

describe('classSubset', () => {
  const ds: ImageDataset = {
    images: Float32Array.from({ length: 6 * 4 }, (_, i) => i),
    labels: Int32Array.from([0, 3, 1, 3, 2, 1]),
    n: 6,
    shape: [1, 2, 2],
    numClasses: 4,
  };

  it('keeps the images of the listed classes in dataset order, labels kept or remapped', () => {
    const kept = classSubset(ds, [3, 1]);
    expect(Array.from(kept.labels)).toEqual([3, 1, 3, 1]);
    expect(Array.from(kept.images.subarray(0, 8))).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(Array.from(kept.images.subarray(12, 16))).toEqual([20, 21, 22, 23]);
    expect([kept.n, kept.numClasses]).toEqual([4, 4]);
    const remapped = classSubset(ds, [3, 1], { remap: true });
    expect(Array.from(remapped.labels)).toEqual([0, 1, 0, 1]);
    expect(remapped.numClasses).toBe(2);
  });

  it('rejects classes the dataset does not have, or listed twice', () => {
    expect(() => classSubset(ds, [4])).toThrow('classSubset: class 4 is not a label of this dataset (0..3)');
    expect(() => classSubset(ds, [1, 1])).toThrow('classSubset: class 1 is listed twice');
    expect(() => classSubset(ds, [])).toThrow('classSubset: classes must be a non-empty list of labels');
  });
});
