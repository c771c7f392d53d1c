/**
 * Method `hnet`: a task-conditioned hypernetwork with the output regulariser (von Oswald et al., ICLR 2020;
 * cl/hnet, REFERENCE.md §11). It builds its own model — an HMLP generating every weight of a MainMLP
 * [inputs, …main, outputs] (--model mlp) or a MainCNN (--model cnn: two conv blocks of 10 and 20 channels,
 * 5×5, then the dense layers …main) with one head per task in the 'task' setting — and trains it with
 * HnetRegularizer (--hnet-reg output, optionally Fisher-weighted: --ewc-weighting) or with EWC on θ
 * (--hnet-reg ewc, hypnettorch's reg = 3; β is its λ). On a regression scenario both Fishers use the
 * Gaussian likelihood with the scenario's noise σ.
 *
 * The hypernetwork needs the task identity at training and test time (one embedding per task): in the
 * 'domain' setting (permuted MNIST) every experience becomes its own task (the task-incremental reading of
 * the benchmark, hypnettorch's CL1), sharing the single head; the 'class' setting, which gives no task
 * identity, is refused (hypnettorch can infer the task from the outputs' entropy; this method does not).
 */
import type { Experience, Scenario } from '../scenarios/experience.js';
import { HnetModel } from '../hnet/hnet-model.js';
import { HnetRegularizer } from '../hnet/hnet-regularizer.js';
import { MainCNN } from '../hnet/main-cnn.js';
import { MainMLP } from '../hnet/main-mlp.js';
import type { MainNetwork } from '../hnet/main-network.js';
import { ThetaEWC } from '../hnet/theta-ewc.js';
import type { ModelKind } from '../scenarios/registry.js';
import { likelihoodOf } from './ewc.js';
import { registerMethod, type Options } from './registry.js';

/** The scenario with task id = experience index in the 'domain' setting; unchanged in 'task'. */
function withTaskIdentity(scenario: Scenario): Scenario {
  if (scenario.setting === 'task') return scenario;
  if (scenario.setting === 'class') throw new RangeError(`method hnet: scenario ${scenario.name} is class-incremental (no task identity), but a hypernetwork needs the task to choose its embedding; use the 'task' or 'domain' setting`);
  const own = (e: Experience): Experience => ({ ...e, taskId: e.index });
  return { ...scenario, experiences: scenario.experiences.map(own), ...(scenario.evaluation && { evaluation: scenario.evaluation.map(own) }), dispose: () => scenario.dispose() };
}

/** The main network of --model `kind` with the hidden widths `main`. */
function mainNetwork(kind: ModelKind, scenario: Scenario, main: number[]): MainNetwork {
  const { inputShape, outputs, heads } = scenario;
  if (kind === 'cnn') return new MainCNN({ inputShape, channels: [10, 20], kernel: 5, hidden: main, outputs, heads });
  if (kind !== 'mlp') throw new RangeError(`method hnet: --model must be mlp or cnn (a main network the hypernetwork generates), got '${kind}'`);
  return new MainMLP([inputShape.reduce((a, b) => a * b, 1), ...main, outputs], { heads });
}

function regularizer(o: Options, scenario: Scenario, seed: number): HnetRegularizer | ThetaEWC {
  const fisher = { likelihood: likelihoodOf(scenario), seed };
  const samples = o['fisher-samples'] as number | undefined;
  if (o['hnet-reg'] === 'ewc') {
    if (o['ewc-weighting']) throw new RangeError('method hnet: --ewc-weighting weights the output regulariser; it does not apply with --hnet-reg ewc');
    return new ThetaEWC({ lambda: o.beta as number, samples, ...fisher });
  }
  return new HnetRegularizer({ beta: o.beta as number, lookahead: o.lookahead as boolean, plastic: o.plastic as boolean, ewcWeighting: o['ewc-weighting'] as boolean, fisherSamples: samples, ...fisher });
}

registerMethod({
  name: 'hnet',
  description: 'task-conditioned hypernetwork with the output regulariser (von Oswald et al. 2020)',
  options: {
    beta: { kind: 'number', min: 0, default: 0.5, help: 'strength β of the output regulariser (chosen on split MNIST task-IL seed 0 with Adam: 0.05 and 0.5 tried)' },
    embedding: { kind: 'int', min: 1, default: 32, help: 'size of each task embedding' },
    hidden: { kind: 'numbers', min: 1, default: [50, 50], help: "the hypernetwork's hidden layer widths" },
    chunk: { kind: 'int', min: 0, default: 4000, help: 'generate the weights in chunks of this many outputs (0: all at once, about 4× slower a step on llvmpipe: bench/hnet-step.ts, BENCHMARKS.md)' },
    main: { kind: 'numbers', min: 1, default: [100, 100], help: "the main network's hidden layer widths" },
    lookahead: { kind: 'boolean', default: true, help: "regularise at θ + Δθ, the optimizer's next step" },
    plastic: { kind: 'boolean', default: false, help: "let the regulariser train earlier tasks' embeddings" },
    'hnet-reg': { kind: 'string', default: 'output', choices: ['output', 'ewc'], help: "output: the output regulariser; ewc: EWC on the hypernetwork's θ (hypnettorch's reg = 3, strength β)" },
    'ewc-weighting': { kind: 'boolean', default: false, help: "weight the output regulariser by each old task's main-network Fisher (hypnettorch's ewc_weight_importance)" },
    'fisher-samples': { kind: 'int', min: 1, help: 'training samples per task for the Fisher of --ewc-weighting or --hnet-reg ewc (default: all; ewc: one backward pass each)' },
  },
  // hypnettorch trains hypernetworks with Adam; with SGD and momentum 0.9 (the MNIST recipes) the output
  // regulariser is stiff (curvature ~2β·|h|² per output row, summed over chunks) and oscillates for β ≳ 0.1.
  recipe: { optimizer: 'adam', lr: 0.001 },
  regression: true,
  scenario: withTaskIdentity,
  model: ({ scenario, options: o, generator, kind = 'mlp' }) => {
    const main = mainNetwork(kind, scenario, o.main as number[]);
    const tasks = Math.max(...(scenario.evaluation ?? scenario.experiences).map((e) => e.taskId)) + 1;
    const chunk = o.chunk as number;
    return new HnetModel(main, {
      tasks, embeddingSize: o.embedding as number, hidden: o.hidden as number[], generator,
      ...(chunk > 0 && { chunked: true, chunkSize: chunk }),
    });
  },
  plugins: ({ options: o, scenario, seed }) => [regularizer(o, scenario, seed)],
});
