/**
 * Dispatches of conv2d's implicit-im2col kernels (kernels/conv2d-implicit.wgsl.ts) without
 * autograd, for conv2d on devices whose conv variant is `implicit-gemm-64x64`.
 */
import { implicitConvDispatch, implicitConvKernel, type ImplicitConvPass, type ImplicitConvShape } from '../../kernels/conv2d-implicit.wgsl.js';
import { MAX_WORKGROUPS_PER_DIM } from '../../kernels/spec.js';
import type { Window2d } from '../../kernels/window2d.js';
import { formatShape } from '../shape.js';
import { emptyTensor, type Tensor } from '../tensor.js';

function run(pass: ImplicitConvPass, a: Tensor, x: Tensor, shape: ImplicitConvShape, outShape: number[]): Tensor {
  const { params, grid } = implicitConvDispatch(pass, shape);
  if (grid.some((g) => g > MAX_WORKGROUPS_PER_DIM)) {
    throw new RangeError(`conv2d: x ${formatShape(x.shape)} needs a grid of ${grid.join(' × ')} workgroups, at most ${MAX_WORKGROUPS_PER_DIM} per dimension`);
  }
  const out = emptyTensor(x.device, outShape);
  if (out.size > 0) x.device.dispatch(implicitConvKernel(pass), params, [a.buffer, x.buffer, out.buffer], grid);
  return out;
}

/** y [N, Cout, Ho·Wo] = [W | b] · patches(x)ᵀ per sample; wb is [Cout, Cin·kh·kw (+1 with a bias)]. */
export function implicitConvRaw(x: Tensor, wb: Tensor, geom: Window2d, bias: boolean): Tensor {
  const [N, Cin] = x.shape as [number, number];
  const Cout = wb.shape[0]!;
  return run('forward', wb, x, { N, Cin, Cout, geom, ones: bias }, [N, Cout, geom.out[0] * geom.out[1]]);
}

/** [dW | db] [Cout, Cin·kh·kw (+1)] = Σ over samples and windows of g[n, :, l] · patch(n, l); g is [N, Cout, Ho·Wo]. */
export function implicitConvWeightGradRaw(g: Tensor, x: Tensor, geom: Window2d, bias: boolean): Tensor {
  const [N, Cin] = x.shape as [number, number];
  const Cout = g.shape[1]!;
  const K = Cin * geom.kernel[0] * geom.kernel[1] + (bias ? 1 : 0);
  return run('weight-grad', g, x, { N, Cin, Cout, geom, ones: bias }, [Cout, K]);
}
