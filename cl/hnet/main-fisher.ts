/**
 * The diagonal Fisher of the main-network weights a hypernetwork generates for one task, as hypnettorch's
 * toy regression (train.py) computes it with ewc_weight_importance: ewc.compute_fisher over the weights
 * W_t = h(e_t, θ) taken as the main network's parameters, the empirical Fisher (true targets), every training
 * sample unless n_fisher says fewer:
 *   F_t = (1/N) Σ_n (∂ log p(y_n | x_n; W_t) / ∂W_t)²
 * Here cl.fisher.compute on the main network built of nn layers (MainNetwork.module()) holding W_t, head t
 * selected (the other heads take no part: zero), flattened in the order of `shapes` to one vector [P].
 */
import { noGrad } from '../../engine/autograd.js';
import { concat } from '../../engine/ops/indexing.js';
import { reshape } from '../../engine/ops/shape.js';
import { keep, tidy } from '../../engine/scope.js';
import type { Tensor } from '../../engine/tensor.js';
import { assign } from '../../nn/assign.js';
import type { TensorDataset } from '../../nn/data/loader.js';
import { compute, type Likelihood } from '../fisher/compute.js';
import type { DiagFisher } from '../fisher/diag.js';
import { selectHead } from '../strategy/heads.js';
import type { HnetModel } from './hnet-model.js';

export interface MainFisherOptions {
  likelihood: Likelihood;
  /** Training samples the Fisher sees (default: all). */
  samples?: number;
  seed: number;
}

/** F_t [P] for task `task` of `model` over `data`, kept out of every scope. */
export async function mainFisher(model: HnetModel, task: number, data: TensorDataset, opts: MainFisherOptions): Promise<Tensor> {
  const net = model.main.module();
  try {
    const params = net.parameters();
    tidy(() => noGrad(() => model.hnet.weightsOf(task).forEach((w, k) => assign(params[k]!, w))));
    selectHead(net, model.headOf(task));
    const F = await compute(net, data, { representation: 'diag', variant: 'empirical', likelihood: opts.likelihood, samples: opts.samples, seed: opts.seed }) as DiagFisher;
    try {
      return keep(tidy(() => concat(F.diagonal.map((d) => reshape(d, [d.size])), 0)));
    } finally {
      F.dispose();
    }
  } finally {
    net.dispose();
  }
}
