/**
 * conv2dMaxPool(x, w, {stride, padding, bias, pool}): maxPool2d(conv2d(x, w, …), pool) for pool
 * windows that tile the conv output (window = pool stride, no pool padding, Ho and Wo multiples of
 * the window), fused into one dispatch that never writes the patches or the conv output
 * (kernels/conv-pool.wgsl.ts). Shapes beyond the kernels' budget (`convPoolFits`: Cin·(kh·kw + the
 * input tile of a window) ≤ 128 values, which the seed CNN's 1×5×5 conv with 6×6 windows meets) run
 * as that composition instead.
 *
 * Backward, with A = argmax of each window (kept from the forward when the op is recorded):
 *   dW, db  sparse sums over the windows' maxima, one dispatch (convPoolGradKernel)
 *   dx      the pooled gradient scattered to A (the max-pool backward kernel on its tiles path),
 *           then conv2d's input gradient fold(Wᵀ · g[n]) as in conv.ts.
 */
import {
  CONV_POOL_GRAD_CHANNEL_TERMS, CONV_POOL_WORKGROUP, convPoolFits, convPoolGradGrid, convPoolGradKernel, convPoolKernel, convPoolParams,
} from '../../kernels/conv-pool.wgsl.js';
import { POOL_WORKGROUP, poolBackwardKernel, poolCells } from '../../kernels/pool.wgsl.js';
import { grid1d, MAX_WORKGROUPS_PER_DIM } from '../../kernels/spec.js';
import { window2dParams, type Window2d } from '../../kernels/window2d.js';
import { graphOnly, isGradEnabled, record } from '../autograd.js';
import { tidy } from '../scope.js';
import { formatShape } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { conv2d } from './conv.js';
import { checkFloat, checkTensor } from './map.js';
import { matmul } from './matmul.js';
import { foldRaw } from './patches.js';
import { maxPool2d } from './pool.js';
import { reshape } from './shape.js';
import { check4d, pairOf, windowGeometry, type Pair } from './window2d.js';

export interface ConvPoolGeometryOptions {
  /** Convolution stride (default 1). */
  stride?: Pair;
  /** Convolution zero padding on both sides (default 0). */
  padding?: Pair;
}

export interface Conv2dMaxPoolOptions extends ConvPoolGeometryOptions {
  /** One value per output channel, added to every conv output. */
  bias?: Tensor;
  /** Pool window, which is also the pool stride. */
  pool: Pair;
}

const OP = 'conv2dMaxPool';

/** Conv geometry and pool window; throws what conv2d would for a kernel larger than the padded input. */
function geometry(xShape: readonly number[], wShape: readonly number[], opts: ConvPoolGeometryOptions, pool: Pair): { geom: Window2d; pool: [number, number] } {
  const geom = windowGeometry(OP, xShape, [wShape[2]!, wShape[3]!], { stride: opts.stride, padding: opts.padding });
  return { geom, pool: pairOf(OP, 'pool', pool, 1) };
}

function checkArgs(x: Tensor, w: Tensor, bias: Tensor | undefined): void {
  checkTensor(OP, 'x', x);
  checkTensor(OP, 'w', w);
  checkFloat(OP, 'x', x);
  checkFloat(OP, 'w', w);
  check4d(OP, 'x', x, '[N, Cin, H, W]');
  check4d(OP, 'w', w, '[Cout, Cin, kh, kw]');
  if (x.shape[1] !== w.shape[1]) {
    throw new RangeError(`${OP}: x has ${x.shape[1]} channels but w expects ${w.shape[1]} (w is ${formatShape(w.shape)})`);
  }
  if (bias !== undefined) {
    checkTensor(OP, 'bias', bias);
    checkFloat(OP, 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== w.shape[0]) {
      throw new RangeError(`${OP}: bias must have shape [${w.shape[0]}] (one value per output channel), got ${formatShape(bias.shape)}`);
    }
  }
}

/** maxPool2d(conv2d(x, w, {stride, padding, bias}), pool) for pool windows that tile the conv output. */
export function conv2dMaxPool(x: Tensor, w: Tensor, opts: Conv2dMaxPoolOptions): Tensor {
  const { bias } = opts;
  checkArgs(x, w, bias);
  const { geom, pool } = geometry(x.shape, w.shape, opts, opts.pool);
  const [Ho, Wo] = geom.out;
  if (Ho % pool[0] !== 0 || Wo % pool[1] !== 0) {
    throw new RangeError(`${OP}: pool ${pool.join('×')} must tile the conv output ${Ho}×${Wo}`);
  }
  const [N, Cin] = x.shape as [number, number];
  const [Cout, , kh, kw] = w.shape as [number, number, number, number];
  const shape = { cin: Cin, kernel: [kh, kw] as const, stride: geom.stride, pool };
  // (The weight gradient's grid has Cout workgroups along x.)
  if (!convPoolFits(shape) || Cout > MAX_WORKGROUPS_PER_DIM) {
    return maxPool2d(conv2d(x, w, { stride: geom.stride, padding: geom.padding, bias }), pool);
  }
  const pooled = [Ho / pool[0], Wo / pool[1]] as const;
  const items = N * pooled[0] * pooled[1];
  const inputs = bias ? [x, w, bias] : [x, w];
  const indices = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  const out = emptyTensor(x.device, [N, Cout, ...pooled]);
  const argmax = indices ? graphOnly(emptyTensor(x.device, out.shape, 'int32')) : null;
  const params = convPoolParams({ items, cout: Cout, convW: Wo, cin: Cin, size: geom.size, pooled, pad: geom.padding, stride: geom.stride });
  if (out.size > 0) {
    const buffers = [x.buffer, w.buffer, out.buffer, ...(argmax ? [argmax.buffer] : []), ...(bias ? [bias.buffer] : [])];
    x.device.dispatch(convPoolKernel({ ...shape, bias: bias !== undefined, indices }), params, buffers, grid1d(items, CONV_POOL_WORKGROUP));
  }
  return record(out, OP, inputs, (g) => tidy(() => {
    const dx = x.requiresGrad ? inputGrad(g, argmax!, w, geom, pool) : null;
    let dw: Tensor | null = null, db: Tensor | null = null;
    if (w.requiresGrad || bias?.requiresGrad) {
      dw = emptyTensor(x.device, w.shape);
      db = bias ? emptyTensor(x.device, [Cout]) : null;
      if (dw.size > 0) {
        const buffers = [x.buffer, g.buffer, argmax!.buffer, dw.buffer, ...(db ? [db.buffer] : [])];
        const lanes = items <= CONV_POOL_GRAD_CHANNEL_TERMS ? 'channels' : 'terms';
        x.device.dispatch(convPoolGradKernel({ kernel: [kh, kw], bias: db !== null, lanes }), params, buffers, convPoolGradGrid(lanes, Cout, Cin));
      }
    }
    return [dx, w.requiresGrad ? dw : null, bias?.requiresGrad ? db : null];
  }), undefined, argmax ? [argmax] : []);
}

/**
 * dx: g [N, Cout, Po, Qo] goes to each window's argmax in a dense conv-output gradient (zeros
 * elsewhere), then through conv2d's input gradient dx = fold(Wᵀ · G[n]).
 */
function inputGrad(g: Tensor, argmax: Tensor, w: Tensor, geom: Window2d, pool: [number, number]): Tensor {
  const [N, Cout, Po, Qo] = g.shape as [number, number, number, number];
  const [, Cin, kh, kw] = w.shape as [number, number, number, number];
  const windows: Window2d = { size: geom.out, out: [Po, Qo], kernel: pool, stride: pool, padding: [0, 0], dilation: [1, 1] };
  const dense = emptyTensor(g.device, [N, Cout, ...geom.out]);
  const cells = poolCells(windows, false);
  const invocations = N * Cout * cells[0] * cells[1];
  if (invocations > 0) {
    const kernel = poolBackwardKernel({ op: 'max', adaptive: false, tiles: true });
    g.device.dispatch(kernel, window2dParams(windows, N * Cout, Cout, invocations, 0, cells), [g.buffer, argmax.buffer, dense.buffer], grid1d(invocations, POOL_WORKGROUP));
  }
  const cols = matmul(reshape(w, [Cout, Cin * kh * kw]), reshape(dense, [N, Cout, geom.out[0] * geom.out[1]]), { transposeA: true });
  return foldRaw(cols, geom, 'cols', N, Cin);
}
