/**
 * Transforms for continual-learning benchmarks. Image transforms run on the GPU over a whole
 * tensor of images at once (rotated / permuted MNIST: once per task, not per sample): a ResampleMap
 * computed on the host from the image size alone becomes K gathers along the pixel axis, each
 * scaled by its weights — K = 1 for a permutation or a nearest-neighbour rotation, 4 for bilinear.
 * Class subsets work on host datasets (split MNIST), before they are put on the GPU.
 */
import { add, gather, mul, reshape, tensor, tidy, Generator, type Tensor } from '../../engine/index.js';
import { checkFloat, checkTensor } from '../../engine/ops/map.js';
import type { ImageDataset } from './datasets.js';
import { checkSize, rotationMap, type Interpolation, type ResampleMap } from './rotate.js';

export { rotationMap, type Interpolation, type ResampleMap } from './rotate.js';

/** out[..., p] = Σ_k weight[k, p] · x[..., index[k, p]] over the last two axes (H, W) of x. */
function resample(op: string, x: Tensor, map: ResampleMap): Tensor {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  const [h, w] = x.shape.slice(-2);
  if (x.rank < 2 || h !== map.height || w !== map.width) {
    throw new RangeError(`${op}: x must be images [..., ${map.height}, ${map.width}], got [${x.shape.join(', ')}]`);
  }
  const P = map.height * map.width;
  return tidy(() => {
    const flat = reshape(x, [x.size / P, P]);
    // One tap of weights 0 or 1 (a permutation, a nearest-neighbour rotation) is a plain gather:
    // index −1 where the weight is 0, filled with 0.
    if (map.taps === 1 && map.weight.every((w) => w === 0 || w === 1)) {
      const index = Int32Array.from(map.index, (v, p) => (map.weight[p] === 0 ? -1 : v));
      return reshape(gather(flat, tensor(index, [P], { dtype: 'int32', device: x.device }), 1, { fill: 0 }), x.shape);
    }
    let out: Tensor | undefined;
    for (let k = 0; k < map.taps; k++) {
      const index = tensor(map.index.subarray(k * P, (k + 1) * P), [P], { dtype: 'int32', device: x.device });
      const weight = tensor(map.weight.subarray(k * P, (k + 1) * P), [P], { device: x.device });
      const term = mul(gather(flat, index, 1), weight);
      out = out ? add(out, term) : term;
    }
    return reshape(out!, x.shape);
  });
}

export interface RotateOptions {
  /** 'nearest' (default, torchvision's default) or 'bilinear'. */
  interpolation?: Interpolation;
}

/**
 * Rotates images [..., H, W] by `degrees` counter-clockwise about their centre, zero outside —
 * exactly torchvision.transforms.functional.rotate(img, degrees) on float32 tensors (see rotate.ts).
 */
export function rotate(images: Tensor, degrees: number, opts: RotateOptions = {}): Tensor {
  checkTensor('rotate', 'images', images);
  if (images.rank < 2) throw new RangeError(`rotate: images must be [..., H, W], got [${images.shape.join(', ')}]`);
  const [h, w] = images.shape.slice(-2) as [number, number];
  return resample('rotate', images, rotationMap(h, w, degrees, opts.interpolation));
}

/** The pixel permutation of permutePixels: seeded, a permutation of 0..size−1 (Fisher–Yates). */
export function pixelPermutation(size: number, seed: number): Int32Array {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`pixelPermutation: size must be a positive integer, got ${size}`);
  return new Generator(seed).permutation(size);
}

/**
 * Permuted-MNIST's transform: out[..., p] = images[..., perm[p]] over the H·W pixels of each image
 * (the same permutation for every image and channel), perm = pixelPermutation(H·W, seed).
 */
export function permutePixels(images: Tensor, seed: number): Tensor {
  checkTensor('permutePixels', 'images', images);
  if (images.rank < 2) throw new RangeError(`permutePixels: images must be [..., H, W], got [${images.shape.join(', ')}]`);
  const [h, w] = images.shape.slice(-2) as [number, number];
  checkSize('permutePixels', h, w);
  const map: ResampleMap = { height: h, width: w, taps: 1, index: pixelPermutation(h * w, seed), weight: new Float32Array(h * w).fill(1) };
  return resample('permutePixels', images, map);
}

export interface ClassSubsetOptions {
  /** Relabel classes[i] as i (task-incremental heads of split MNIST). Default false: labels kept. */
  remap?: boolean;
}

/**
 * The images of `dataset` whose label is in `classes`, in dataset order. With remap, labels become
 * positions in `classes` and numClasses becomes classes.length.
 */
export function classSubset(dataset: ImageDataset, classes: readonly number[], opts: ClassSubsetOptions = {}): ImageDataset {
  if (!Array.isArray(classes) || classes.length === 0) throw new RangeError('classSubset: classes must be a non-empty list of labels');
  const position = new Map<number, number>();
  classes.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= dataset.numClasses) {
      throw new RangeError(`classSubset: class ${c} is not a label of this dataset (0..${dataset.numClasses - 1})`);
    }
    if (position.has(c)) throw new RangeError(`classSubset: class ${c} is listed twice`);
    position.set(c, i);
  });
  const pixels = dataset.shape[0] * dataset.shape[1] * dataset.shape[2];
  const keep: number[] = [];
  dataset.labels.forEach((label, i) => { if (position.has(label)) keep.push(i); });
  const images = new Float32Array(keep.length * pixels);
  const labels = new Int32Array(keep.length);
  keep.forEach((src, i) => {
    images.set(dataset.images.subarray(src * pixels, (src + 1) * pixels), i * pixels);
    labels[i] = opts.remap ? position.get(dataset.labels[src]!)! : dataset.labels[src]!;
  });
  return { images, labels, n: keep.length, shape: dataset.shape, numClasses: opts.remap ? classes.length : dataset.numClasses };
}
