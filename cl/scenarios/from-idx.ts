/**
 * Datasets in the IDX format of LeCun's MNIST files, which KMNIST, EMNIST and the original
 * Fashion-MNIST also ship in: bring your own with fromIdx(dir), then toDevice() it or hand it to
 * fromDatasets().
 *
 * An IDX file is a big-endian header and the raw bytes:
 *   images: magic 2051 (0x00000803: unsigned bytes, 3 dimensions), n, rows, cols, then n·rows·cols pixels;
 *   labels: magic 2049 (0x00000801: unsigned bytes, 1 dimension), n, then n labels.
 * Pixels become x / 255 in [0, 1] (then (x − mean)/std with `normalize`), one channel: [n, 1, rows, cols].
 *
 * Reading the folder is Node-only (node.ts; the browser build swaps in browser-only.ts, which throws).
 * idxDataset() parses bytes you already have and works everywhere.
 */
import type { DatasetSplit, ImageDataset } from '../../nn/data/datasets.js';
import { readIdxFile } from './node.js';

/** The four files fromIdx() reads (each may also be stored gzip-compressed as `<name>.gz`). */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

export interface IdxOptions {
  /** Pixels become (x − mean) / std after scaling to [0, 1]. Default: none. */
  normalize?: { mean: number; std: number };
}

export interface IdxNames {
  /** How errors name the images file (default 'images'). */
  imagesFile?: string;
  /** How errors name the labels file (default 'labels'). */
  labelsFile?: string;
}

/** The header's `words` big-endian u32 words, after checking the magic number and that the file holds them. */
function header(op: string, bytes: Uint8Array, file: string, words: number, magic: number, what: string): number[] {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${op}: ${file} must be given as a Uint8Array of the file's bytes`);
  const short = (need: number) => {
    if (bytes.length < need) throw new RangeError(`${op}: ${file} is ${bytes.length} bytes, too short for the ${4 * words}-byte header of an IDX ${what} file`);
  };
  short(4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    throw new RangeError(`${op}: ${file} starts with magic number ${found} (0x${found.toString(16).padStart(8, '0')}), expected ${magic} (0x${magic.toString(16).padStart(8, '0')}: IDX ${what}); is it the right file, and gunzipped?`);
  }
  short(4 * words);
  return Array.from({ length: words }, (_, i) => view.getUint32(4 * i, false));
}

function checkNormalize(op: string, norm: IdxOptions['normalize']): void {
  if (norm !== undefined && !(Number.isFinite(norm.mean) && Number.isFinite(norm.std) && norm.std > 0)) {
    throw new RangeError(`${op}: normalize needs a finite mean and a std > 0, got ${JSON.stringify(norm)}`);
  }
}

/** An ImageDataset from the bytes of an IDX images file and its labels file (uncompressed). */
export function idxDataset(images: Uint8Array, labels: Uint8Array, opts: IdxOptions & IdxNames = {}): ImageDataset {
  const op = 'idxDataset';
  checkNormalize(op, opts.normalize);
  const imagesFile = opts.imagesFile ?? 'images';
  const labelsFile = opts.labelsFile ?? 'labels';
  const [, n, rows, cols] = header(op, images, imagesFile, 4, IMAGES_MAGIC, 'images [n, rows, cols] of unsigned bytes') as [number, number, number, number];
  if (rows < 1 || cols < 1) throw new RangeError(`${op}: ${imagesFile} declares images of ${rows}×${cols} pixels`);
  const pixels = rows * cols;
  if (images.length - 16 !== n * pixels) {
    throw new RangeError(`${op}: ${imagesFile} holds ${images.length - 16} bytes of pixels, its header promises ${n} images of ${rows}×${cols} = ${n * pixels}`);
  }
  const [, m] = header(op, labels, labelsFile, 2, LABELS_MAGIC, 'labels [n] of unsigned bytes') as [number, number];
  if (labels.length - 8 !== m) throw new RangeError(`${op}: ${labelsFile} holds ${labels.length - 8} labels, its header promises ${m}`);
  if (m !== n) throw new RangeError(`${op}: ${imagesFile} has ${n} images but ${labelsFile} has ${m} labels`);
  const x = new Float32Array(n * pixels);
  const norm = opts.normalize;
  for (let i = 0; i < x.length; i++) {
    const v = images[16 + i]! / 255;
    x[i] = norm ? (v - norm.mean) / norm.std : v;
  }
  const y = Int32Array.from(labels.subarray(8));
  const numClasses = y.reduce((a, v) => Math.max(a, v + 1), 0);
  return { images: x, labels: y, n, shape: [1, rows, cols], numClasses };
}

/**
 * Node only: the train and test sets of the IDX files in `dir` (IDX_FILES, each plain or `.gz`),
 * e.g. KMNIST from http://codh.rois.ac.jp/kmnist/. numClasses is 1 + the largest label of both.
 */
export async function fromIdx(dir: string, opts: IdxOptions = {}): Promise<DatasetSplit> {
  const op = 'fromIdx';
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`${op}: dir must be the path of a folder, got ${String(dir)}`);
  checkNormalize(op, opts.normalize);
  const read = (name: string) => readIdxFile(dir, name, op);
  const part = async (images: string, labels: string): Promise<ImageDataset> => {
    const [im, lb] = await Promise.all([read(images), read(labels)]);
    try {
      return idxDataset(im.bytes, lb.bytes, { ...opts, imagesFile: im.file, labelsFile: lb.file });
    } catch (e) {
      // idxDataset names itself; fromIdx is what the caller called.
      if (e instanceof Error) e.message = e.message.replace(/^idxDataset:/, `${op}:`);
      throw e;
    }
  };
  const train = await part(IDX_FILES.trainImages, IDX_FILES.trainLabels);
  const test = await part(IDX_FILES.testImages, IDX_FILES.testLabels);
  if (train.shape[1] !== test.shape[1] || train.shape[2] !== test.shape[2]) {
    throw new RangeError(`${op}: the training images are ${train.shape[1]}×${train.shape[2]} but the test images ${test.shape[1]}×${test.shape[2]} (in ${dir})`);
  }
  const numClasses = Math.max(train.numClasses, test.numClasses);
  return { train: { ...train, numClasses }, test: { ...test, numClasses } };
}
