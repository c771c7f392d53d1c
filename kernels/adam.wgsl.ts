/**
 * Fused Adam step, PyTorch's torch.optim.Adam (torch/optim/adam.py, _single_tensor_adam, amsgrad off):
 *   g ← grad + weightDecay·param                      (L2 penalty, not AdamW's decoupled decay)
 *   m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²    (m = v = 0 before the first step)
 *   denom ← √v / √(1 − β₂ᵗ) + eps
 *   param ← param − (lr / (1 − β₁ᵗ))·m / denom
 * The host computes stepSize = lr/(1 − β₁ᵗ) and bc2Sqrt = √(1 − β₂ᵗ) in float64 for this step t.
 * One dispatch per parameter (scaffolding and layout in optimizer-kernel.ts).
 */
import { optimizerKernel } from './optimizer-kernel.js';
import type { KernelSpec } from './spec.js';

export const ADAM_FIELDS = ['stepSize', 'bc2Sqrt', 'beta1', 'beta2', 'eps', 'weightDecay'] as const;

export const adamKernel: KernelSpec = optimizerKernel('adam', ADAM_FIELDS, ['expAvg', 'expAvgSq'], /* wgsl */ `
  let g = grad[i] + p.weightDecay * param[i];
  let m = p.beta1 * select(expAvg[i], 0.0, first) + (1.0 - p.beta1) * g;
  let v = p.beta2 * select(expAvgSq[i], 0.0, first) + (1.0 - p.beta2) * g * g;
  expAvg[i] = m;
  expAvgSq[i] = v;
  let denom = sqrt(v) / p.bc2Sqrt + p.eps;
  param[i] = param[i] - p.stepSize * (m / denom);`);
