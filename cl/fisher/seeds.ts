/**
 * The Fisher's variants as the logit gradients backward starts from. For a classifier with logits z
 * and p = softmax(z), the gradient of the log-likelihood of class c is ∂ log p_c / ∂z = e_c − p, so
 * one backward pass seeded with a row per sample gives every layer the per-sample Δ of that choice of
 * labels, and each representation sums outer products of the per-sample gradients G_n = Δ_nᵀ·Ã_n:
 *
 *   exact      F = E_x Σ_c p_c(x) g_c g_cᵀ — the expectation over the model's own softmax (nngeometry's
 *              'classif_logits'): C passes, pass c seeded with √p_c·(e_c − p), so that the outer
 *              products of pass c carry the weight p_c;
 *   sampled    one label per sample drawn from p(·|x) (Gumbel-max: argmax(z − log(−log u)), u uniform
 *              from the seeded generator, B·C draws per minibatch): an unbiased one-sample estimate
 *              of exact;
 *   empirical  the true label y: e_y − p;
 *   batched    (e_y − p)/B: the gradient of the minibatch-MEAN loss. Its square, averaged over the
 *              minibatches, is what several libraries (Avalanche, many EWC repositories) call the
 *              Fisher: F_batched = (1/M) Σ_b ḡ_b ḡ_bᵀ with ḡ_b = (1/B) Σ_{n∈b} g_n. For independent
 *              zero-mean g_n that is about F_empirical / B, B times too small, and cross terms between
 *              samples enter; kept to reproduce those libraries, not as a default.
 *
 * Regression (gaussianSeeds): a Gaussian likelihood N(y; f(x), σ²I) on the model's D outputs f
 * (hypnettorch's ll_dist_std σ), ∂ log p / ∂f = (y − f)/σ². exact: E_y[g gᵀ] = Jᵀ J / σ², D passes seeded
 * e_d/σ; sampled: y drawn from the model, (y − f)/σ² = ε/σ with ε ~ N(0, I); empirical: the true y;
 * batched: (y − f)/(σ²·B).
 */
import { add, argmax, div, eye, log, mul, neg, noGrad, oneHot, rand, randn, reshape, slice, softmax, sqrt, sub, zerosLike, type Generator, type Tensor } from '../../engine/index.js';

export type Variant = 'exact' | 'sampled' | 'empirical' | 'batched';
export const VARIANTS: readonly Variant[] = ['exact', 'sampled', 'empirical', 'batched'];

/** The seeds of one minibatch's backward passes, [B, C] each (z: the logits, y: int32 labels). */
export function seeds(variant: Variant, z: Tensor, y: Tensor, generator: Generator): Tensor[] {
  return noGrad(() => {
    const [B, C] = z.shape as [number, number];
    const p = softmax(z.detach(), -1);
    switch (variant) {
      case 'exact': {
        const I = eye(C); // one upload for the C rows e_c
        return Array.from({ length: C }, (_, c) => mul(sqrt(slice(p, 1, c, c + 1)), sub(slice(I, 0, c, c + 1), p)));
      }
      case 'sampled': {
        const u = rand([B, C], { generator });
        const gumbel = neg(log(neg(log(u))));
        return [sub(oneHot(argmax(add(z.detach(), gumbel), 1), C), p)];
      }
      case 'empirical':
        return [sub(oneHot(y, C), p)];
      case 'batched':
        return [div(sub(oneHot(y, C), p), B)];
    }
  });
}

/** The seeds of a Gaussian likelihood with std σ on outputs f [B, D] (y: float32 targets, [B] or [B, D]). */
export function gaussianSeeds(variant: Variant, f: Tensor, y: Tensor, std: number, generator: Generator): Tensor[] {
  return noGrad(() => {
    const [B, D] = f.shape as [number, number];
    const out = f.detach();
    switch (variant) {
      case 'exact': {
        const I = eye(D);
        return Array.from({ length: D }, (_, d) => add(zerosLike(out), mul(slice(I, 0, d, d + 1), 1 / std)));
      }
      case 'sampled':
        return [mul(randn([B, D], { generator }), 1 / std)];
      case 'empirical':
        return [mul(sub(reshape(y, [B, D]), out), 1 / (std * std))];
      case 'batched':
        return [mul(sub(reshape(y, [B, D]), out), 1 / (std * std * B))];
    }
  });
}
