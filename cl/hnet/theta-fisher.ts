/**
 * The diagonal empirical Fisher of a hypernetwork's own parameters θ through the main network's likelihood,
 * as hypnettorch's toy regression computes it for its reg = 3 (ewc.compute_fisher with params = hnet.theta,
 * empirical, one sample at a time):
 *   F = (1/N) Σ_n (∂ log p(y_n | x_n; h(e_t, θ)) / ∂θ)²
 * The output gradient ∂ log p/∂f of each sample is cl.fisher's empirical seed (seeds.ts: e_y − p for a
 * classifier, (y − f)/σ² for a Gaussian). One backward pass per sample, as hypnettorch: every sample's
 * gradient reaches θ through the same generated weights, so cl.fisher's per-sample trick (a layer's
 * G_n = Δ_nᵀ·Ã_n from one batched pass) has no layer to apply to. Runs after an experience, not per step.
 * The model's .grad are set aside and put back; the sums stay on the GPU (no readback).
 */
import { noGrad } from '../../engine/autograd.js';
import { add, mul, square } from '../../engine/ops/elementwise.js';
import { keep, tidy } from '../../engine/scope.js';
import { Generator } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { DataLoader, type TensorDataset } from '../../nn/data/loader.js';
import type { Likelihood } from '../fisher/compute.js';
import { DiagFisher } from '../fisher/diag.js';
import { Layout, type Slot } from '../fisher/layout.js';
import { gaussianSeeds, seeds } from '../fisher/seeds.js';
import { sampleRows } from '../util/sample-rows.js';
import type { HnetModel } from './hnet-model.js';

export interface ThetaFisherOptions {
  likelihood: Likelihood;
  /** Training samples the Fisher sees (default: all). */
  samples?: number;
  seed: number;
}

/** F of θ = model.hnet.theta() for task `task` over `data`. */
export function thetaFisher(model: HnetModel, task: number, data: TensorDataset, opts: ThetaFisherOptions): DiagFisher {
  const theta = model.hnet.theta();
  const params = model.parameters();
  const grads = params.map((p) => p.grad);
  params.forEach((p) => { p.grad = null; });
  const chosen = opts.samples !== undefined && opts.samples < data.n ? sampleRows(data, opts.samples, new Generator(opts.seed)) : data;
  const sums: Tensor[] = [];
  const previous = model.selectedTask;
  try {
    model.selectTask(task);
    for (const { x, y } of new DataLoader(chosen, { batchSize: 1 })) {
      tidy(() => {
        const f = model.forward(x);
        const seed = opts.likelihood === 'categorical' ? seeds('empirical', f, y, new Generator(0))[0]! : gaussianSeeds('empirical', f, y, opts.likelihood.gaussian.std, new Generator(0))[0]!;
        f.backward(seed);
        theta.forEach((p, i) => {
          const next = noGrad(() => (sums[i] ? add(sums[i]!, square(p.grad!)) : square(p.grad!)));
          sums[i]?.dispose();
          sums[i] = keep(next);
        });
        model.zeroGrad();
      });
    }
    const diagonals = sums.map((s) => keep(tidy(() => noGrad(() => mul(s, 1 / chosen.n)))));
    return new DiagFisher(thetaLayout(theta), diagonals);
  } finally {
    sums.forEach((s) => s.dispose());
    params.forEach((p, i) => { p.grad?.dispose(); p.grad = grads[i]!; });
    model.selectTask(previous);
    if (chosen !== data) chosen.dispose();
  }
}

/** θ as Fisher slots: each hypernetwork layer [W | b], then the chunk embeddings as a weight of its own. */
function thetaLayout(theta: readonly Tensor[]): Layout {
  const slots: Slot[] = [];
  for (let i = 0; i < theta.length; i++) {
    const [out, K] = theta[i]!.shape as [number, number];
    const bias = theta[i + 1]?.rank === 1 ? theta[++i]! : null;
    slots.push({ name: bias ? `hnet layer ${slots.length}` : 'hnet chunk embeddings', out, K, weight: [out, K], bias: bias ? [out] : null });
  }
  return new Layout(slots);
}
