/**
 * Streaming second moment: add(batch) adds the batch's XᵀX to a [d, d] sum on the GPU (one dispatch,
 * no readback), value() = sum / count. For data too large for one storage binding (the full
 * Fashion-MNIST training set is 56,000×784 floats = 176 MB, bindings stop at 128 MiB on lavapipe),
 * stream it batch by batch. Uncentered: the covariance of centred data is value() of centred
 * batches, or value() − μμᵀ with the caller's running mean.
 *
 * State for checkpoints: `sum()` (a copy of the [d, d] sum) and `count`; `load(sum, count)` restores;
 * `clone()` is an independent accumulator with both.
 */
import { getDevice, type Device } from '../device.js';
import { noGrad } from '../autograd.js';
import { clone, mul } from '../ops/elementwise.js';
import { zeros } from '../ops/creation.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { keep } from '../scope.js';
import { checkCovarianceWidth, encodeCovariance } from './cov.js';
import { checkMatrix } from './matrix-stats.js';
import { encodePatchCovariance, patchShape, type Pair, type PatchCovOptions } from './patch-covariance.js';

export interface CovarianceAccumulatorOptions {
  device?: Device;
}

export class CovarianceAccumulator {
  readonly device: Device;
  private total: Tensor;
  private rows = 0;

  constructor(readonly d: number, opts: CovarianceAccumulatorOptions = {}) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`CovarianceAccumulator: d must be a positive integer, got ${d}`);
    checkCovarianceWidth('CovarianceAccumulator', d);
    this.device = opts.device ?? getDevice();
    this.total = keep(zeros([d, d], { device: this.device }));
  }

  /** Rows added so far. */
  get count(): number {
    return this.rows;
  }

  /** Adds XᵀX of a [m, d] batch (m ≥ 1) to the sum. */
  add(batch: Tensor): this {
    checkMatrix('CovarianceAccumulator.add', 'batch', batch);
    if (batch.shape[1] !== this.d) {
      throw new RangeError(`CovarianceAccumulator.add: batch must be [m, ${this.d}], got ${formatShape(batch.shape)}`);
    }
    if (batch.device !== this.device) throw new Error('CovarianceAccumulator.add: batch lives on another device than the accumulator');
    encodeCovariance(this.device, batch.buffer, batch.shape[0]!, this.d, this.live().buffer, 1, true);
    this.rows += batch.shape[0]!;
    return this;
  }

  /**
   * Adds Σ p pᵀ over the N·L convolution patches p of x [N, C, H, W] (unfoldRows' rows, C·kh·kw = d
   * entries each) to the sum, without writing the patch matrix; the count grows by N·L.
   */
  addPatches(x: Tensor, kernel: Pair, opts: PatchCovOptions = {}): this {
    const shape = patchShape('CovarianceAccumulator.addPatches', x, kernel, opts);
    if (shape.k !== this.d) {
      const [kh, kw] = shape.window.kernel;
      throw new RangeError(`CovarianceAccumulator.addPatches: patches of x ${formatShape(x.shape)} with a ${kh}×${kw} kernel have ${shape.k} entries, expected ${this.d}`);
    }
    if (x.device !== this.device) throw new Error('CovarianceAccumulator.addPatches: x lives on another device than the accumulator');
    encodePatchCovariance(this.device, x, shape, this.live().buffer, 1, true);
    this.rows += shape.rows;
    return this;
  }

  /** Σ / count as a new [d, d] tensor. */
  value(): Tensor {
    if (this.rows === 0) throw new RangeError('CovarianceAccumulator.value: no rows added yet');
    return noGrad(() => mul(this.live(), 1 / this.rows));
  }

  /** A copy of the raw sum Σ XᵀX (a new [d, d] tensor). */
  sum(): Tensor {
    return noGrad(() => clone(this.live()));
  }

  /** Restores a checkpointed state: the sum ([d, d], copied) and the row count. */
  load(sum: Tensor, count: number): this {
    checkMatrix('CovarianceAccumulator.load', 'sum', sum);
    if (sum.shape[0] !== this.d || sum.shape[1] !== this.d) {
      throw new RangeError(`CovarianceAccumulator.load: sum must be [${this.d}, ${this.d}], got ${formatShape(sum.shape)}`);
    }
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`CovarianceAccumulator.load: count must be a non-negative integer, got ${count}`);
    const copy = keep(noGrad(() => clone(sum)));
    this.live().dispose();
    this.total = copy;
    this.rows = count;
    return this;
  }

  /** An independent accumulator with this one's sum (copied) and count. */
  clone(): CovarianceAccumulator {
    return new CovarianceAccumulator(this.d, { device: this.device }).load(this.live(), this.rows);
  }

  /** Back to an empty sum. */
  reset(): this {
    const fresh = keep(zeros([this.d, this.d], { device: this.device }));
    this.live().dispose();
    this.total = fresh;
    this.rows = 0;
    return this;
  }

  /** Frees the sum; the accumulator is unusable afterwards. */
  dispose(): void {
    this.total.dispose();
  }

  private live(): Tensor {
    if (this.total.disposed) throw new Error('CovarianceAccumulator: used after dispose()');
    return this.total;
  }
}
