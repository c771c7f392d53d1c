/**
 * Fused SGD step, PyTorch's torch.optim.SGD (torch/optim/sgd.py, _single_tensor_sgd):
 *   g ← grad + weightDecay·param
 *   if momentum ≠ 0:  b ← g on the first step, else momentum·b + (1 − dampening)·g
 *                     g ← g + momentum·b (nesterov), else g ← b
 *   param ← param − lr·g
 * One dispatch per parameter (scaffolding and layout in optimizer-kernel.ts); the momentum buffer b
 * exists in the `momentum` variant only.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { optimizerKernel } from './optimizer-kernel.js';
import type { KernelSpec } from './spec.js';

export const SGD_FIELDS = ['lr', 'weightDecay', 'momentum', 'dampening'] as const;

export function sgdKernel(v: { momentum: boolean; nesterov: boolean }): KernelSpec {
  const body = wgsl`
  var g = grad[i] + p.weightDecay * param[i];
#if ${v.momentum}
  var b = g;
  if (!first) { b = p.momentum * buf[i] + (1.0 - p.dampening) * g; }
  buf[i] = b;
#if ${v.nesterov}
  g = g + p.momentum * b;
#else
  g = b;
#endif
#endif
  param[i] = param[i] - p.lr * g;`;
  const tag = v.momentum ? (v.nesterov ? 'nesterov' : 'momentum') : 'plain';
  return optimizerKernel(`sgd[${tag}]`, SGD_FIELDS, v.momentum ? ['buf'] : [], body);
}
