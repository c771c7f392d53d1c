/**
 * softmax(x, axis) and logSoftmax(x, axis): fused, numerically stable kernels (the max is
 * subtracted before exp), each with a fused backward. See kernels/softmax.wgsl.ts for the math.
 */
import { SOFTMAX_WORKGROUP, softmaxBackwardKernel, softmaxKernel, type SoftmaxKind } from '../../kernels/softmax.wgsl.js';
import { grid1d, type KernelSpec } from '../../kernels/spec.js';
import { record } from '../autograd.js';
import { normAxis, sizeOf } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';
import { checkHasAxis } from './indexing.js';
import { checkFloat, checkTensor } from './map.js';

const FORWARD = { softmax: softmaxKernel('softmax'), logSoftmax: softmaxKernel('logSoftmax') };
const BACKWARD = { softmax: softmaxBackwardKernel('softmax'), logSoftmax: softmaxBackwardKernel('logSoftmax') };

function run(kind: SoftmaxKind, x: Tensor, axis: number): Tensor {
  checkTensor(kind, 'x', x);
  checkFloat(kind, 'x', x);
  checkHasAxis(kind, 'x', x);
  const a = normAxis(kind, axis, x.rank);
  const params = new Uint32Array([sizeOf(x.shape.slice(0, a)), x.shape[a]!, sizeOf(x.shape.slice(a + 1))]);
  const lines = params[0]! * params[2]!;
  const size = x.size;
  const dispatch = (out: Tensor, spec: KernelSpec, buffers: GPUBuffer[]) => {
    if (size > 0) out.device.dispatch(spec, params, [...buffers, out.buffer], grid1d(lines, SOFTMAX_WORKGROUP));
  };
  const y = emptyTensor(x.device, x.shape, 'float32');
  dispatch(y, FORWARD[kind], [x.buffer]);
  return record(y, kind, [x], (g) => {
    const dx = emptyTensor(g.device, y.shape, 'float32');
    dispatch(dx, BACKWARD[kind], [y.buffer, g.buffer]);
    return [dx];
  });
}

/** exp(x − max) / Σ exp(x − max) along `axis` (default the last). */
export const softmax = (x: Tensor, axis = -1): Tensor => run('softmax', x, axis);

/** x − max − log Σ exp(x − max) along `axis` (default the last): log(softmax(x)) without underflow. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => run('logSoftmax', x, axis);
