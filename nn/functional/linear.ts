/**
 * linear(x, weight, bias?): y = x·Wᵀ + b with W [out, in] (PyTorch's F.linear), the weights given as
 * tensors: computed by another network (a hypernetwork) they get their gradients through the tape like
 * any input, so the producer trains. nn.Linear is this with its own parameters.
 */
import { checkTensor } from '../../engine/check.js';
import { add } from '../../engine/ops/elementwise.js';
import { matmul } from '../../engine/ops/matmul.js';
import { formatShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor('linear', 'x', x);
  checkTensor('linear', 'weight', weight);
  if (weight.rank !== 2) throw new RangeError(`linear: weight must be [out, in], got ${formatShape(weight.shape)}`);
  const [out, inFeatures] = weight.shape as [number, number];
  if (x.rank < 2 || x.shape[x.rank - 1] !== inFeatures) {
    throw new RangeError(`linear: x must be [N, ${inFeatures}] (or [..., N, ${inFeatures}]) for weight ${formatShape(weight.shape)}, got ${formatShape(x.shape)}`);
  }
  const y = matmul(x, weight, { transposeB: true });
  if (bias === undefined || bias === null) return y;
  checkTensor('linear', 'bias', bias);
  if (bias.rank !== 1 || bias.shape[0] !== out) throw new RangeError(`linear: bias must be [${out}] for weight ${formatShape(weight.shape)}, got ${formatShape(bias.shape)}`);
  return add(y, bias);
}
