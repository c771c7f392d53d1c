/** Cross-entropy loss: the engine's fused softmax cross-entropy, with nn's option names. */
import { crossEntropy as crossEntropyOp, type Reduction } from '../../engine/ops/cross-entropy.js';
import type { Tensor } from '../../engine/tensor.js';

export interface CrossEntropyLossOptions {
  /** 'mean' over the batch (default), 'sum', or 'none' (per-row losses). */
  reduction?: Reduction;
  /** float32 [C], nonzero for the active classes (e.g. those seen so far in class-incremental learning). */
  mask?: Tensor;
}

/** −log softmax(logits)[n, labels[n]], over the active classes; logits [N, C], labels int32 [N]. */
export function crossEntropy(logits: Tensor, labels: Tensor, opts: CrossEntropyLossOptions = {}): Tensor {
  return crossEntropyOp(logits, labels, { reduction: opts.reduction, classMask: opts.mask });
}
