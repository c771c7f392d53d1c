/**
 * Dropout(p): in training, zeroes each element with probability p and scales the rest by 1/(1−p);
 * identity in eval mode. The mask is a GPU hash of (seed, element index), with the seed drawn from
 * a Generator per call (the layer's, or the global one at call time), so a seeded run repeats.
 */
import { dropoutKernel, dropoutParams, DROPOUT_WORKGROUP } from '../../kernels/dropout.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import { record } from '../../engine/autograd.js';
import { checkNumber } from '../../engine/check.js';
import { checkFloat, checkTensor } from '../../engine/ops/map.js';
import { defaultGenerator, type Generator } from '../../engine/random.js';
import { emptyTensor, type Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';

function checkP(op: string, p: number): void {
  checkNumber(op, 'p', p, { min: 0, max: 1 });
}

function applyMask(x: Tensor, seed: number, p: number): Tensor {
  const out = emptyTensor(x.device, x.shape);
  if (x.size === 0) return out;
  const { threshold, scale } = dropoutParams(p);
  const params = new ArrayBuffer(16);
  new Uint32Array(params, 0, 3).set([x.size, seed, threshold]);
  new Float32Array(params, 12, 1)[0] = scale;
  x.device.dispatch(dropoutKernel, new Uint8Array(params), [x.buffer, out.buffer], grid1d(x.size, DROPOUT_WORKGROUP));
  return out;
}

/** Functional dropout with an explicit 32-bit seed; the backward pass reapplies the same mask to g. */
export function dropout(x: Tensor, p: number, seed: number): Tensor {
  checkTensor('dropout', 'x', x);
  checkFloat('dropout', 'x', x);
  checkP('dropout', p);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`dropout: seed must be a 32-bit unsigned integer, got ${seed}`);
  const y = applyMask(x, seed, p);
  return record(y, 'dropout', [x], (g) => [applyMask(g, seed, p)]);
}

export class Dropout extends Module {
  private readonly generator: Generator | undefined;

  constructor(readonly p = 0.5, opts: { generator?: Generator } = {}) {
    super();
    checkP('Dropout', p);
    this.generator = opts.generator;
  }

  forward(x: Tensor): Tensor {
    checkTensor('Dropout.forward', 'x', x);
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, (this.generator ?? defaultGenerator()).nextU32());
  }
}
