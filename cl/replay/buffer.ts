/**
 * The replay buffer's images on the GPU: float32 [capacity, ...sample shape], rows written in place by
 * the scatter-rows kernel (kernels/scatter-rows.wgsl.ts) and read by gather. One upload of a batch-long
 * int32 slot list per write; no readback, no allocation after the first write.
 *
 * float32, not the one-byte packed store (nn/data/packed-images.ts): a packed store's codes mean
 * something only with its own palette, and one buffer holds samples of every experience (MNIST and
 * Fashion-MNIST palettes differ). The buffer is small beside the data set it samples: 1,000 MNIST
 * images are 3.1 MB as float32.
 */
import { gather, keep, tensor, zeros, type Tensor } from '../../engine/index.js';
import { grid1d } from '../../kernels/spec.js';
import { SCATTER_ROWS_WORKGROUP, scatterRowsKernel } from '../../kernels/scatter-rows.wgsl.js';

/**
 * buf[slot[j], …] = src[j, …] in place for every j with 0 ≤ slot[j] < rows of buf (float32 or int32;
 * slots must be distinct). One dispatch.
 */
export function scatterRows(buf: Tensor, src: Tensor, slots: Tensor): void {
  const inner = buf.size / buf.shape[0]!;
  if (src.dtype !== buf.dtype || src.shape.slice(1).join() !== buf.shape.slice(1).join()) {
    throw new RangeError(`scatterRows: src ${src.dtype} [${src.shape.join(', ')}] must be rows of buf ${buf.dtype} [${buf.shape.join(', ')}]`);
  }
  if (slots.dtype !== 'int32' || slots.rank !== 1 || slots.size !== src.shape[0]) {
    throw new RangeError(`scatterRows: slots must be int32 [${src.shape[0]}] (one per row of src), got ${slots.dtype} [${slots.shape.join(', ')}]`);
  }
  if (src.size === 0) return;
  const width = inner % 4 === 0 ? 4 : 1;
  const params = new Uint32Array([buf.shape[0]!, inner / width, slots.size]);
  buf.device.dispatch(scatterRowsKernel(width), params, [src.buffer, slots.buffer, buf.buffer], grid1d(src.size / width, SCATTER_ROWS_WORKGROUP));
}

export class ImageBuffer {
  /** Takes ownership of `images` (kept, outside tidy scopes). */
  constructor(readonly images: Tensor) {}

  /** An empty buffer: zeros [capacity, ...sampleShape]. */
  static zeros(capacity: number, sampleShape: readonly number[]): ImageBuffer {
    return new ImageBuffer(keep(zeros([capacity, ...sampleShape])));
  }

  /** Writes row j of x into slot slots[j] (−1: not stored); slots distinct, from ReplayMemory.offer. */
  write(x: Tensor, slots: Int32Array): void {
    if (!slots.some((s) => s >= 0)) return;
    const index = tensor(slots, [slots.length], { dtype: 'int32', device: x.device });
    scatterRows(this.images, x, index);
    index.dispose();
  }

  /** float32 [m, ...]: the images of the given slots. */
  rows(slots: Int32Array): Tensor {
    return gather(this.images, tensor(slots, [slots.length], { dtype: 'int32', device: this.images.device }), 0);
  }

  dispose(): void {
    this.images.dispose();
  }
}
