/**
 * Fused RMSprop step, PyTorch's torch.optim.RMSprop (torch/optim/rmsprop.py, _single_tensor_rmsprop,
 * centered off):
 *   g ← grad + weightDecay·param
 *   s ← α·s + (1 − α)·g²                 (s = 0 before the first step)
 *   avg ← √s + eps
 *   momentum > 0:  b ← momentum·b + g/avg (b = 0 before the first step);  param ← param − lr·b
 *   otherwise:     param ← param − lr·g/avg
 * One dispatch per parameter (scaffolding and layout in optimizer-kernel.ts); the momentum buffer b
 * exists in the `momentum` variant only.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { optimizerKernel } from './optimizer-kernel.js';
import type { KernelSpec } from './spec.js';

export const RMSPROP_FIELDS = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum'] as const;

export function rmspropKernel(v: { momentum: boolean }): KernelSpec {
  const body = wgsl`
  let g = grad[i] + p.weightDecay * param[i];
  let s = p.alpha * select(squareAvg[i], 0.0, first) + (1.0 - p.alpha) * g * g;
  squareAvg[i] = s;
  let avg = sqrt(s) + p.eps;
#if ${v.momentum}
  let b = p.momentum * select(buf[i], 0.0, first) + g / avg;
  buf[i] = b;
  param[i] = param[i] - p.lr * b;
#else
  param[i] = param[i] - p.lr * (g / avg);
#endif`;
  return optimizerKernel(`rmsprop${v.momentum ? '[momentum]' : ''}`, RMSPROP_FIELDS, v.momentum ? ['squareAvg', 'buf'] : ['squareAvg'], body);
}
