/**
 * Scenarios (cl/scenarios): the content of every experience checked against the host datasets it
 * comes from (permuted pixels against the host permutation, split rows and labels per setting,
 * Fashion-MNIST's labels moved to 10..19), the user-data entry points (fromDatasets, fromIdx) and
 * their errors, and that dispose() frees everything a scenario uploaded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { fashionMnist, mnist, type ImageDataset } from '../../nn/data/datasets.js';
import { toDevice } from '../../nn/data/loader.js';
import * as browserOnly from '../../cl/scenarios/browser-only.js';
import {
  DEFAULT_NORMALIZATION, SEED_NORMALIZATION, fromDatasets, fromIdx, idxDataset, mnistPermutations, mnistThenFashion,
  permutedMnist, rotatedMnistScenario, splitFashionMnist, splitMnist, type Scenario, type Setting,
} from '../../cl/scenarios/index.js';
import { useDevice } from '../helpers/device.js';

const SMALL = { trainPerClass: 20, testPerClass: 10 } as const;
const PIXELS = 784;

const floats = async (t: { toArray(): Promise<Float32Array | Int32Array> }) => Float32Array.from(await t.toArray());
const ints = async (t: { toArray(): Promise<Float32Array | Int32Array> }) => Array.from(await t.toArray());

/** Host rows of `ds` whose label is in `classes`, in order. */
function hostRows(ds: ImageDataset, classes: readonly number[]): number[] {
  const out: number[] = [];
  ds.labels.forEach((y, i) => { if (classes.includes(y)) out.push(i); });
  return out;
}

describe('scenarios', () => {
  const device = useDevice();
  const live = () => device().stats().liveTensors;

  it('permutedMnist: task 0 is normalised MNIST, task t its pixels under the host permutation π_t', async () => {
    const base = live();
    const s = await permutedMnist({ tasks: 3, seed: 0, ...SMALL });
    expect([s.name, s.setting, s.outputs, s.heads, s.inputShape]).toEqual(['permuted-mnist', 'domain', 10, 1, [1, 28, 28]]);
    expect(s.experiences.map((e) => [e.index, e.taskId, e.name])).toEqual([[0, 0, 'identity'], [1, 0, 'permutation 1'], [2, 0, 'permutation 2']]);
    expect(s.experiences.every((e) => e.classes.join() === '0,1,2,3,4,5,6,7,8,9')).toBe(true);

    const host = await mnist({ ...SMALL, normalize: DEFAULT_NORMALIZATION });
    const [e0, e1, e2] = s.experiences as [typeof s.experiences[0], typeof s.experiences[0], typeof s.experiences[0]];
    expect(e0.train.x.shape).toEqual([host.train.n, 1, 28, 28]);
    expect(Array.from(await floats(e0.train.x))).toEqual(Array.from(host.train.images));
    expect(Array.from(await floats(e0.test.x))).toEqual(Array.from(host.test.images));
    // The normalisation is (x − 0.1307)/0.3081 of pixels in [0, 1].
    const raw = await mnist(SMALL);
    expect(host.train.images[300]).toBeCloseTo((raw.train.images[300]! - 0.1307) / 0.3081, 6);

    const [p0, p1, p2] = s.permutations as [Int32Array, Int32Array, Int32Array];
    expect(p0.every((v, i) => v === i)).toBe(true);
    for (const p of [p1, p2]) {
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: PIXELS }, (_, i) => i));
      expect(p.some((v, i) => v !== i)).toBe(true);
    }
    expect(Array.from(p1)).not.toEqual(Array.from(p2));
    for (const [e, p] of [[e1, p1], [e2, p2]] as const) {
      for (const [ds, hostDs] of [[e.train, host.train], [e.test, host.test]] as const) {
        const x = await floats(ds.x);
        for (const i of [0, 7, hostDs.n - 1]) {
          const row = x.subarray(i * PIXELS, (i + 1) * PIXELS);
          const want = hostDs.images.subarray(i * PIXELS, (i + 1) * PIXELS);
          expect(Array.from(row)).toEqual(Array.from(p, (src) => want[src]!));
          expect(Array.from(row).sort()).toEqual(Array.from(want).sort()); // the same multiset of pixels
        }
        expect(await ints(ds.y)).toEqual(Array.from(hostDs.labels));
      }
    }
    s.dispose();
    expect(live()).toBe(base);
    s.dispose(); // twice is harmless
  });

  it('permutedMnist: permutations depend on the seed only; identityFirst replaces task 0 alone', async () => {
    const a = mnistPermutations(4, 0);
    expect(mnistPermutations(4, 0).map((p) => Array.from(p))).toEqual(a.map((p) => Array.from(p)));
    const b = mnistPermutations(4, 1);
    expect(Array.from(b[1]!)).not.toEqual(Array.from(a[1]!));
    const c = mnistPermutations(4, 0, false);
    expect(c[0]!.some((v, i) => v !== i)).toBe(true);
    expect(c.slice(1).map((p) => Array.from(p))).toEqual(a.slice(1).map((p) => Array.from(p)));
    // A task's permutation does not depend on how many follow.
    expect(Array.from(mnistPermutations(2, 0)[1]!)).toEqual(Array.from(a[1]!));

    const s = await permutedMnist({ tasks: 2, seed: 5, identityFirst: false, trainPerClass: 2, testPerClass: 1 });
    expect(s.permutations.map((p) => Array.from(p))).toEqual(mnistPermutations(2, 5, false).map((p) => Array.from(p)));
    s.dispose();
    await expect(permutedMnist({ tasks: 0 })).rejects.toThrow('permutedMnist: tasks must be a positive integer, got 0');
    await expect(permutedMnist({ seed: 0.5 })).rejects.toThrow('permutedMnist: seed must be an integer, got 0.5');
  });

  it('splitMnist: consecutive class groups, labels and heads per setting, rows picked from the host split', async () => {
    const host = await mnist({ ...SMALL, normalize: DEFAULT_NORMALIZATION });
    const want: Record<Setting, { outputs: number; heads: number; taskId: (g: number) => number; label: (y: number) => number }> = {
      task: { outputs: 2, heads: 5, taskId: (g) => g, label: (y) => y % 2 },
      domain: { outputs: 2, heads: 1, taskId: () => 0, label: (y) => y % 2 },
      class: { outputs: 10, heads: 1, taskId: () => 0, label: (y) => y },
    };
    for (const setting of ['task', 'domain', 'class'] as const) {
      const base = live();
      const s = await splitMnist({ setting, ...SMALL });
      const w = want[setting];
      expect([s.name, s.setting, s.outputs, s.heads, s.experiences.length]).toEqual(['split-mnist', setting, w.outputs, w.heads, 5]);
      for (const [g, e] of s.experiences.entries()) {
        const classes = [2 * g, 2 * g + 1];
        expect([e.index, e.taskId, e.classes, e.name]).toEqual([g, w.taskId(g), classes, `classes ${classes.join(', ')}`]);
        for (const [ds, hostDs] of [[e.train, host.train], [e.test, host.test]] as const) {
          const rows = hostRows(hostDs, classes);
          expect(ds.n).toBe(rows.length);
          expect(await ints(ds.y)).toEqual(rows.map((i) => w.label(hostDs.labels[i]!)));
          if (setting === 'class' || g === 3) {
            const x = await floats(ds.x);
            expect(Array.from(x)).toEqual(rows.flatMap((i) => Array.from(hostDs.images.subarray(i * PIXELS, (i + 1) * PIXELS))));
          }
        }
      }
      s.dispose();
      expect(live()).toBe(base);
    }
  });

  it('splitMnist: classesPerTask must divide 10; the setting is checked', async () => {
    const s = await splitMnist({ setting: 'task', classesPerTask: 5, trainPerClass: 2, testPerClass: 1 });
    expect([s.outputs, s.heads, s.experiences.map((e) => e.classes)]).toEqual([5, 2, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]]);
    expect(await ints(s.experiences[1]!.test.y)).toEqual([0, 1, 2, 3, 4]);
    s.dispose();
    await expect(splitMnist({ setting: 'class', classesPerTask: 3 })).rejects.toThrow('splitMnist: classesPerTask must divide the 10 classes (1, 2, 5 or 10), got 3');
    await expect(splitMnist({ setting: 'tasks' as Setting })).rejects.toThrow("splitMnist: setting must be 'task', 'domain' or 'class', got 'tasks'");
  });

  it('splitFashionMnist: the same groups of Fashion-MNIST, normalised alike', async () => {
    const base = live();
    const host = await fashionMnist({ ...SMALL, normalize: DEFAULT_NORMALIZATION });
    const s = await splitFashionMnist({ setting: 'task', ...SMALL });
    expect([s.name, s.outputs, s.heads]).toEqual(['split-fashion-mnist', 2, 5]);
    const e = s.experiences[4]!;
    const rows = hostRows(host.train, [8, 9]);
    expect(await ints(e.train.y)).toEqual(rows.map((i) => host.train.labels[i]! - 8));
    expect(Array.from(await floats(e.train.x))).toEqual(rows.flatMap((i) => Array.from(host.train.images.subarray(i * PIXELS, (i + 1) * PIXELS))));
    s.dispose();
    expect(live()).toBe(base);
  });

  it('mnistThenFashion: digits are classes 0..9, clothes 10..19, one 20-way head', async () => {
    const base = live();
    const s = await mnistThenFashion(SMALL);
    expect([s.name, s.setting, s.outputs, s.heads, s.inputShape]).toEqual(['mnist-then-fashion', 'class', 20, 1, [1, 28, 28]]);
    const [d, c] = s.experiences as [Scenario['experiences'][0], Scenario['experiences'][0]];
    expect([d.name, d.taskId, d.classes, c.name, c.taskId, c.classes]).toEqual(['mnist', 0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'fashion-mnist', 0, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]]);
    const digits = await mnist({ ...SMALL, normalize: DEFAULT_NORMALIZATION });
    const clothes = await fashionMnist({ ...SMALL, normalize: DEFAULT_NORMALIZATION });
    expect(await ints(d.train.y)).toEqual(Array.from(digits.train.labels));
    expect(await ints(c.train.y)).toEqual(Array.from(clothes.train.labels, (y) => y + 10));
    expect(await ints(c.test.y)).toEqual(Array.from(clothes.test.labels, (y) => y + 10));
    expect(new Set(await ints(c.test.y))).toEqual(new Set([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]));
    expect(Array.from(await floats(c.test.x))).toEqual(Array.from(clothes.test.images));
    expect(Array.from(await floats(d.test.x))).toEqual(Array.from(digits.test.images));
    s.dispose();
    expect(live()).toBe(base);
  });

  it('rotatedMnistScenario: rotatedMnist as a domain-incremental Scenario with the seed normalisation', async () => {
    const base = live();
    const s = await rotatedMnistScenario([0, 90], { trainPerClass: 3, testPerClass: 2 });
    expect([s.name, s.setting, s.outputs, s.heads, s.experiences.map((e) => [e.index, e.taskId, e.name])]).toEqual(['rotated-mnist', 'domain', 10, 1, [[0, 0, '0°'], [1, 0, '90°']]]);
    const host = await mnist({ trainPerClass: 3, testPerClass: 2, normalize: SEED_NORMALIZATION });
    expect(Array.from(await floats(s.experiences[0]!.train.x))).toEqual(Array.from(host.train.images));
    // 90° counter-clockwise: out[r][c] = in[c][27 − r].
    const x1 = await floats(s.experiences[1]!.train.x);
    expect(x1[5 * 28 + 9]).toBe(host.train.images[9 * 28 + 22]);
    s.dispose();
    expect(live()).toBe(base);
  });
});

describe('fromDatasets', () => {
  const device = useDevice();
  const live = () => device().stats().liveTensors;

  /** n images of [1, 2, 2] whose pixels are the sample index, labels given. */
  const host = (labels: number[]): ImageDataset => ({
    images: Float32Array.from({ length: labels.length * 4 }, (_, k) => Math.floor(k / 4)),
    labels: Int32Array.from(labels),
    n: labels.length,
    shape: [1, 2, 2],
    numClasses: Math.max(...labels) + 1,
  });

  it('uploads host datasets (and frees them), keeps the TensorDatasets you pass, fills the defaults', async () => {
    const base = live();
    const mine = toDevice(host([1, 0, 1]));
    const s = await fromDatasets([
      { train: host([0, 1, 0]), test: host([1, 0]), name: 'first' },
      { train: mine, test: host([0, 1]), classes: [2, 3] },
    ], { setting: 'task' });
    expect([s.name, s.setting, s.outputs, s.heads, s.inputShape]).toEqual(['custom', 'task', 2, 2, [1, 2, 2]]);
    expect(s.experiences.map((e) => [e.index, e.taskId, e.name, e.classes])).toEqual([[0, 0, 'first', [0, 1]], [1, 1, 'experience 1', [2, 3]]]);
    expect(s.experiences[1]!.train).toBe(mine);
    expect(await ints(s.experiences[0]!.train.y)).toEqual([0, 1, 0]);
    expect(Array.from(await floats(s.experiences[0]!.test.x))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    s.dispose();
    expect(mine.y.disposed).toBe(false);
    mine.dispose();
    expect(live()).toBe(base);

    const c = await fromDatasets([{ train: host([0, 4]), test: host([3]) }], { setting: 'class', outputs: 6, name: 'mine' });
    expect([c.name, c.outputs, c.heads, c.experiences[0]!.taskId, c.experiences[0]!.classes]).toEqual(['mine', 6, 1, 0, [0, 3, 4]]);
    c.dispose();
    expect(live()).toBe(base);
  });

  it('errors name the experience and what is wrong, and nothing is uploaded', async () => {
    const base = live();
    const ok = host([0, 1]);
    const empty: ImageDataset = { images: new Float32Array(0), labels: new Int32Array(0), n: 0, shape: [1, 2, 2], numClasses: 2 };
    await expect(fromDatasets([], { setting: 'class' })).rejects.toThrow('fromDatasets: list must hold at least one experience ({train, test}), got an empty list');
    await expect(fromDatasets([{ train: ok, test: ok }], { setting: 'all' as Setting })).rejects.toThrow("fromDatasets: setting must be 'task', 'domain' or 'class', got 'all'");
    await expect(fromDatasets([{ train: ok, test: ok }, { train: ok, test: empty, name: 'late' }], { setting: 'class' }))
      .rejects.toThrow("fromDatasets: experience 1 ('late') has an empty test set");
    const tensorLabels = toDevice(host([0, 7]));
    await expect(fromDatasets([{ train: ok, test: tensorLabels }], { setting: 'domain', outputs: 2 }))
      .rejects.toThrow("fromDatasets: experience 0's test label 1 is 7, outside [0, 2) (outputs as given)");
    await expect(fromDatasets([{ train: host([0, -1]), test: ok }], { setting: 'class' }))
      .rejects.toThrow("fromDatasets: experience 0's train label 1 is -1, outside [0, 2)");
    const wide = { ...host([0]), images: new Float32Array(6), shape: [1, 2, 3] as const };
    await expect(fromDatasets([{ train: ok, test: ok }, { train: wide, test: ok }], { setting: 'class' }))
      .rejects.toThrow("fromDatasets: experience 1's train samples are [1, 2, 3], experience 0's train samples [1, 2, 2]: every experience needs the same input shape");
    await expect(fromDatasets([{ train: ok, test: ok, taskId: 1 }], { setting: 'domain' }))
      .rejects.toThrow("fromDatasets: experience 0's taskId is 1, but in the 'domain' setting the task id is not given to the model");
    await expect(fromDatasets([{ train: ok, test: ok, taskId: 2 }], { setting: 'task', heads: 2 }))
      .rejects.toThrow("fromDatasets: experience 0's taskId is 2, outside [0, 2) (heads = 2)");
    await expect(fromDatasets([{ train: ok, test: { images: [] } as unknown as ImageDataset }], { setting: 'task' }))
      .rejects.toThrow("fromDatasets: experience 0's test must be a TensorDataset or an ImageDataset");
    tensorLabels.dispose();
    expect(live()).toBe(base);
  });
});

describe('fromIdx', () => {
  const device = useDevice();
  const dirs: string[] = [];
  const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'idx-')); dirs.push(d); return d; };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const u32 = (...words: number[]) => {
    const b = new Uint8Array(4 * words.length);
    const v = new DataView(b.buffer);
    words.forEach((w, i) => v.setUint32(4 * i, w, false));
    return b;
  };
  const cat = (...parts: Uint8Array[]) => { const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0)); let at = 0; for (const p of parts) { out.set(p, at); at += p.length; } return out; };
  /** n images of rows×cols whose pixel k of image i is (7·i + k) mod 256. */
  const images = (n: number, rows: number, cols: number, magic = 2051) =>
    cat(u32(magic, n, rows, cols), Uint8Array.from({ length: n * rows * cols }, (_, k) => (7 * Math.floor(k / (rows * cols)) + (k % (rows * cols))) % 256));
  const labels = (ys: number[], magic = 2049) => cat(u32(magic, ys.length), Uint8Array.from(ys));

  function write(dir: string, files: Record<string, Uint8Array>): void {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  }

  it('reads the four files, plain or gzipped, pixels / 255 as [n, 1, rows, cols]', async () => {
    const dir = tmp();
    write(dir, {
      'train-images-idx3-ubyte': images(3, 4, 5),
      'train-labels-idx1-ubyte.gz': gzipSync(labels([2, 0, 11])),
      't10k-images-idx3-ubyte.gz': gzipSync(images(2, 4, 5)),
      't10k-labels-idx1-ubyte': labels([1, 3]),
    });
    const { train, test } = await fromIdx(dir);
    expect([train.n, train.shape, train.numClasses, Array.from(train.labels)]).toEqual([3, [1, 4, 5], 12, [2, 0, 11]]);
    expect([test.n, test.shape, test.numClasses, Array.from(test.labels)]).toEqual([2, [1, 4, 5], 12, [1, 3]]);
    expect(train.images[20 + 3]).toBeCloseTo((7 + 3) / 255, 7);
    expect(test.images[19]).toBeCloseTo(19 / 255, 7);
    const norm = await fromIdx(dir, { normalize: { mean: 0.5, std: 0.25 } });
    expect(norm.train.images[23]).toBeCloseTo(((7 + 3) / 255 - 0.5) / 0.25, 6);
    // Straight into a scenario.
    const base = device().stats().liveTensors;
    const s = await fromDatasets([{ train, test }], { setting: 'class' });
    expect([s.outputs, s.inputShape, s.experiences[0]!.classes]).toEqual([12, [1, 4, 5], [0, 1, 2, 3, 11]]);
    s.dispose();
    expect(device().stats().liveTensors).toBe(base);
  });

  it('names the file for a bad magic number, truncated data, mismatched counts or a missing file', async () => {
    const good = { 'train-images-idx3-ubyte': images(2, 3, 3), 'train-labels-idx1-ubyte': labels([0, 1]), 't10k-images-idx3-ubyte': images(1, 3, 3), 't10k-labels-idx1-ubyte': labels([1]) };
    const dirWith = (changes: Record<string, Uint8Array>) => { const d = tmp(); write(d, { ...good, ...changes }); return d; };

    let dir = dirWith({ 't10k-labels-idx1-ubyte': labels([1], 2051) });
    await expect(fromIdx(dir)).rejects.toThrow(`fromIdx: ${join(dir, 't10k-labels-idx1-ubyte')} starts with magic number 2051 (0x00000803), expected 2049 (0x00000801: IDX labels [n] of unsigned bytes)`);
    dir = dirWith({ 'train-images-idx3-ubyte': images(2, 3, 3, 2050) });
    await expect(fromIdx(dir)).rejects.toThrow(`fromIdx: ${join(dir, 'train-images-idx3-ubyte')} starts with magic number 2050 (0x00000802), expected 2051`);
    dir = dirWith({ 'train-images-idx3-ubyte': images(2, 3, 3).subarray(0, 30) });
    await expect(fromIdx(dir)).rejects.toThrow(`fromIdx: ${join(dir, 'train-images-idx3-ubyte')} holds 14 bytes of pixels, its header promises 2 images of 3×3 = 18`);
    dir = dirWith({ 'train-labels-idx1-ubyte': labels([0, 1, 1]) });
    await expect(fromIdx(dir)).rejects.toThrow(`fromIdx: ${join(dir, 'train-images-idx3-ubyte')} has 2 images but ${join(dir, 'train-labels-idx1-ubyte')} has 3 labels`);
    dir = dirWith({ 't10k-images-idx3-ubyte': images(1, 2, 2) });
    await expect(fromIdx(dir)).rejects.toThrow(`fromIdx: the training images are 3×3 but the test images 2×2 (in ${dir})`);
    dir = dirWith({ 't10k-labels-idx1-ubyte': new Uint8Array([0, 0, 8]) });
    await expect(fromIdx(dir)).rejects.toThrow(`fromIdx: ${join(dir, 't10k-labels-idx1-ubyte')} is 3 bytes, too short for the 8-byte header of an IDX labels [n] of unsigned bytes file`);
    dir = dirWith({ 'train-labels-idx1-ubyte.gz': gzipSync(labels([0, 1])).subarray(0, 12) });
    rmSync(join(dir, 'train-labels-idx1-ubyte'));
    await expect(fromIdx(dir)).rejects.toThrow(`fromIdx: ${join(dir, 'train-labels-idx1-ubyte.gz')} is not a valid gzip file`);
    rmSync(join(dir, 'train-labels-idx1-ubyte.gz'));
    await expect(fromIdx(dir)).rejects.toThrow(`fromIdx: ${join(dir, 'train-labels-idx1-ubyte')} not found (nor ${join(dir, 'train-labels-idx1-ubyte')}.gz)`);
  });

  it('idxDataset parses bytes anywhere; the browser build reads no folder', async () => {
    const ds = idxDataset(images(2, 2, 3), labels([4, 1]));
    expect([ds.n, ds.shape, ds.numClasses, Array.from(ds.labels)]).toEqual([2, [1, 2, 3], 5, [4, 1]]);
    expect(() => idxDataset(labels([1]), labels([1]))).toThrow('idxDataset: images starts with magic number 2049');
    await expect(browserOnly.readIdxFile('/data/kmnist', 'train-images-idx3-ubyte', 'fromIdx'))
      .rejects.toThrow('fromIdx: reading the folder /data/kmnist works in Node only (a browser has no file system); fetch the four IDX files yourself (gunzipped) and pass their bytes to idxDataset()');
  });
});
