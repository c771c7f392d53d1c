/**
 * hookGradient(x, fn): x unchanged (a view, no dispatch), with `fn` called on the gradient that
 * backward() sends through it (PyTorch's Tensor.register_hook, as an identity op on the tape). The
 * gradient passes on untouched; `fn` may keep() a view of it beyond the backward's scope.
 */
import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { checkTensor } from './map.js';

export function hookGradient(x: Tensor, fn: (grad: Tensor) => void): Tensor {
  checkTensor('hookGradient', 'x', x);
  if (typeof fn !== 'function') throw new TypeError(`hookGradient: fn must be a function, got ${typeof fn}`);
  if (!x.requiresGrad) return x;
  return record(x.view(x.shape), 'hookGradient', [x], (g) => {
    fn(g);
    return [g];
  });
}
