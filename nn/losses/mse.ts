/** Mean squared error: mean (or sum, or none) of (input − target)². */
import type { Reduction } from '../../engine/ops/cross-entropy.js';
import { square, sub } from '../../engine/ops/elementwise.js';
import { checkChoice } from '../../engine/check.js';
import { checkFloat, checkTensor } from '../../engine/ops/map.js';
import { mean, sum } from '../../engine/ops/reduce.js';
import { formatShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';

export function mse(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkTensor('mse', 'input', input);
  checkTensor('mse', 'target', target);
  checkFloat('mse', 'input', input);
  checkFloat('mse', 'target', target);
  if (input.rank !== target.rank || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new RangeError(`mse: input and target must have the same shape, got ${formatShape(input.shape)} and ${formatShape(target.shape)}`);
  }
  const reduction = checkChoice('mse', 'options.reduction', opts.reduction ?? 'mean', ['mean', 'sum', 'none']);
  const sq = square(sub(input, target));
  if (reduction === 'none') return sq;
  return reduction === 'sum' ? sum(sq) : mean(sq);
}
