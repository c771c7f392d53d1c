// Packed image store: byte codes + palette on the host, the unpacking gather against its reference
// and bit for bit against the float32 gather on real Fashion-MNIST / MNIST rows.
import { describe, expect, it } from 'vitest';
import { tensor } from '../../../index.js';
import { fashionMnist, mnist, type ImageDataset } from '../../../nn/data/datasets.js';
import { toDevice } from '../../../nn/data/loader.js';
import { PackedImages, pixelCodes } from '../../../nn/data/packed-images.js';
import { unpackGatherReference } from '../../../kernels/unpack-gather.reference.js';
import { useDevice } from '../../helpers/device.js';

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** n images of `pixels` values drawn from `values` by a fixed pattern. */
function fromValues(values: number[], n: number, pixels: number): Float32Array {
  return Float32Array.from({ length: n * pixels }, (_, k) => values[(k * 7 + Math.floor(k / 5)) % values.length]!);
}

describe('pixelCodes', () => {
  it('Fashion-MNIST: code k is the pixel byte, the palette holds float32(k/255)', async () => {
    const { train } = await fashionMnist({ trainSubset: 300 });
    const c = pixelCodes(train.images, 784)!;
    expect(c).not.toBeNull();
    for (let k = 0; k < 256; k++) expect(c.palette[k]).toBe(Math.fround(k / 255));
    for (let p = 0; p < train.images.length; p++) expect(c.codes[p]).toBe(Math.round(train.images[p]! * 255));
  });

  it('MNIST (pixel/255 rounded to 3 decimals: 256 distinct values, not k/255) packs exactly through its palette', async () => {
    const { test } = await mnist();
    const c = pixelCodes(test.images, 784)!;
    expect(c).not.toBeNull();
    expect(Array.from(c.palette).some((v, k) => v !== Math.fround(k / 255))).toBe(true);
    const back = Float32Array.from(c.codes, (k) => c.palette[k]!);
    expect(bitsOf(back)).toEqual(bitsOf(test.images));
  });

  it('rejects 257 distinct values; keeps −0 and 0 apart; pads rows to whole words (odd sizes)', () => {
    const many = Array.from({ length: 257 }, (_, k) => k / 3);
    expect(pixelCodes(Float32Array.from(many), 257)).toBeNull();
    expect(pixelCodes(Float32Array.from(many.slice(0, 256)), 256)).not.toBeNull();
    for (const pixels of [1, 3, 17]) {
      const images = fromValues([-0, 0, 2.5, -1, NaN], 5, pixels);
      const c = pixelCodes(images, pixels)!;
      const rowBytes = 4 * Math.ceil(pixels / 4);
      expect(c.codes.length).toBe(5 * rowBytes);
      const back = Float32Array.from({ length: images.length }, (_, k) => c.palette[c.codes[Math.floor(k / pixels) * rowBytes + (k % pixels)]!]!);
      expect(bitsOf(back)).toEqual(bitsOf(images));
      // ascending, ±0 ordered by bits (+0 first), NaN last
      expect(bitsOf(c.palette.subarray(0, 5))).toEqual(bitsOf(Float32Array.from([-1, 0, -0, 2.5, NaN])));
    }
  });
});

describe('unpackGather kernel', () => {
  const device = useDevice();

  it('matches its reference on odd sizes (1, 3, 17, 129 pixels), repeats and out-of-range indices (NaN rows)', async () => {
    // The kernel copies bits: equality is exact, no tolerance to argue.
    const values = [0.5, -3, 1e-7, 42, 0, 7.25, -0.125];
    for (const pixels of [1, 3, 17, 129]) {
      const n = 13;
      const images = fromValues(values, n, pixels);
      const c = pixelCodes(images, pixels)!;
      const store = new PackedImages(device(), c, n, [1, 1, pixels]);
      const idx = Int32Array.from([12, 0, 5, 5, -1, 13, 3]);
      const index = tensor(idx, [idx.length], { dtype: 'int32' });
      const out = store.gather(index);
      expect(out.shape).toEqual([idx.length, 1, 1, pixels]);
      const got = (await out.toArray()) as Float32Array;
      const want = unpackGatherReference(c.codes, c.palette, idx, n, pixels);
      expect(Array.from(got)).toEqual(Array.from(want));
      out.dispose();
      index.dispose();
      store.dispose();
    }
  });

  it('equals the float32 gather bit for bit on real rows (Fashion-MNIST raw and normalised, MNIST)', async () => {
    const sets: [string, ImageDataset][] = [
      ['fashion', (await fashionMnist({ trainSubset: 300 })).train],
      ['fashion normalised', (await fashionMnist({ trainSubset: 300, normalize: { mean: 0.2860, std: 0.3530 } })).train],
      ['mnist', (await mnist({ trainSubset: 300 })).train],
    ];
    const idx = Int32Array.from({ length: 300 }, (_, j) => (j * 137 + 11) % 300);
    for (const [name, ds] of sets) {
      const flat = toDevice(ds, device(), { storage: 'float32' });
      const packed = toDevice(ds, device(), { storage: 'packed' });
      expect(flat.packed, name).toBeNull();
      expect(packed.packed, name).not.toBeNull();
      const index = tensor(idx, [idx.length], { dtype: 'int32' });
      const a = flat.rows(index);
      const b = packed.rows(index);
      expect(b.shape).toEqual([300, 1, 28, 28]);
      expect(bitsOf((await b.toArray()) as Float32Array), name).toEqual(bitsOf((await a.toArray()) as Float32Array));
      for (const t of [a, b, index, flat, packed]) t.dispose();
    }
  });
});
