/**
 * Images stored on the GPU one byte per pixel, for datasets whose float32 array would not fit one
 * storage binding (the full Fashion-MNIST training set: 68,000·784·4 = 213 MB against lavapipe's
 * 128 MiB; packed it is 53 MB).
 *
 * Exactness: a dataset packs when its pixels take at most 256 distinct float32 values (compared as
 * bits, so −0 and NaNs are kept apart). Each pixel becomes the byte code of its value, and a
 * 256-entry palette maps codes back to those very float32 values; unpacking copies palette bits,
 * with no arithmetic on the GPU, so a packed batch equals the float32 batch bit for bit, whatever
 * made the values on the host (k/255, the loader's normalisation, a 3-decimal rounding). Codes follow
 * the values' ascending order: for Fashion-MNIST without normalisation the code is the pixel byte k.
 *
 * Layout: an int32 tensor of n·⌈P/4⌉ words for images of P pixels, 4 codes per word, little-endian,
 * each image padded to whole words; a float32 palette [256] (unused codes are 0).
 */
import { emptyTensor, type Tensor } from '../../engine/tensor.js';
import { keep, tensor, type Device } from '../../engine/index.js';
import { grid1d } from '../../kernels/spec.js';
import { UNPACK_GATHER_WORKGROUP, unpackGatherKernel } from '../../kernels/unpack-gather.wgsl.js';

const CODES = 256;
const NAN_BITS = 0x7fc00000;

/** Byte codes of every pixel (rows padded to whole 32-bit words) and the values they stand for. */
export interface PixelCodes {
  readonly codes: Uint8Array;
  readonly palette: Float32Array;
}

/**
 * Codes for `images` ([n, pixels] row-major) if its pixels take at most 256 distinct float32 values;
 * null otherwise. One pass with an open-addressing table keyed on the value's bits, then a remap to
 * ascending order.
 */
export function pixelCodes(images: Float32Array, pixels: number): PixelCodes | null {
  const bits = new Uint32Array(images.buffer, images.byteOffset, images.length);
  const n = images.length / pixels;
  const rowBytes = 4 * Math.ceil(pixels / 4);
  const codes = new Uint8Array(n * rowBytes);
  // 1024 slots for ≤ 256 keys: load ≤ 1/4, so probes stay short.
  const slotKey = new Uint32Array(1024);
  const slotCode = new Int16Array(1024).fill(-1);
  const keys = new Uint32Array(CODES);
  let distinct = 0;
  let lastBits = bits[0] ?? 0;
  let lastCode = -1;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < pixels; i++) {
      const b = bits[r * pixels + i]!;
      if (b !== lastBits || lastCode < 0) {
        let s = Math.imul(b, 0x9e3779b1) >>> 22;
        while (slotCode[s]! >= 0 && slotKey[s] !== b) s = (s + 1) & 1023;
        if (slotCode[s]! < 0) {
          if (distinct === CODES) return null;
          slotKey[s] = b;
          slotCode[s] = distinct;
          keys[distinct++] = b;
        }
        lastBits = b;
        lastCode = slotCode[s]!;
      }
      codes[r * rowBytes + i] = lastCode;
    }
  }
  // Renumber in ascending order of value (NaNs last; +0 before −0, by bits).
  const values = new Float32Array(keys.buffer, 0, distinct);
  const order = Array.from({ length: distinct }, (_, c) => c)
    .sort((a, b) => cmp(values[a]!, values[b]!) || keys[a]! - keys[b]!);
  const remap = new Uint8Array(CODES);
  const palette = new Float32Array(CODES);
  const paletteBits = new Uint32Array(palette.buffer);
  order.forEach((c, rank) => {
    remap[c] = rank;
    paletteBits[rank] = keys[c]!;
  });
  for (let k = 0; k < codes.length; k++) codes[k] = remap[codes[k]!]!;
  return { codes, palette };
}

function cmp(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}

/**
 * n images of `shape` packed on one device. Its tensors live outside tidy() scopes: dispose() frees them.
 */
export class PackedImages {
  readonly n: number;
  readonly shape: readonly number[];
  readonly device: Device;
  /** int32 [n·⌈P/4⌉]: 4 byte codes per word. */
  readonly packed: Tensor;
  /** float32 [256]: the value of each code. */
  readonly palette: Tensor;

  constructor(device: Device, codes: PixelCodes, n: number, shape: readonly number[]) {
    const pixels = shape.reduce((a, d) => a * d, 1);
    const words = n * Math.ceil(pixels / 4);
    if (codes.codes.length !== words * 4 || codes.palette.length !== CODES) {
      throw new RangeError(`PackedImages: ${codes.codes.length} codes and ${codes.palette.length} palette values do not fit ${n} images of [${shape.join(', ')}]`);
    }
    this.n = n;
    this.shape = [...shape];
    this.device = device;
    const asWords = new Int32Array(codes.codes.buffer, codes.codes.byteOffset, words);
    this.packed = keep(tensor(words > 0 ? asWords : new Int32Array(1), [Math.max(1, words)], { dtype: 'int32', device }));
    this.palette = keep(tensor(codes.palette, [CODES], { device }));
  }

  get pixels(): number {
    return this.shape.reduce((a, d) => a * d, 1);
  }

  /** float32 [m, ...shape]: image index[j] unpacked in row j (NaN for an index outside [0, n)). One dispatch. */
  gather(index: Tensor): Tensor {
    const m = index.size;
    const out = emptyTensor(this.device, [m, ...this.shape], 'float32');
    if (out.size > 0) {
      const params = new Uint32Array([this.n, this.pixels, Math.ceil(this.pixels / 4), m, NAN_BITS]);
      this.device.dispatch(unpackGatherKernel, params, [this.packed.buffer, this.palette.buffer, index.buffer, out.buffer], grid1d(out.size, UNPACK_GATHER_WORKGROUP));
    }
    return out;
  }

  dispose(): void {
    this.packed.dispose();
    this.palette.dispose();
  }
}
