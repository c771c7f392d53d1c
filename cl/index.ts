/** Continual learning: gradient projection (orthocl API), metrics, scenarios, experiments. */
export * from './gradproj/index.js';
export * from './metrics.js';
export { accuracy } from './eval/accuracy.js';
export { rotatedMnist, SEED_NORMALIZATION, type DomainTask, type RotatedMnist } from './scenarios/rotated-mnist.js';
export { runRotatedMnist, SEED_CONFIG, GRADPROJ_METHODS, type RotatedMnistConfig, type ExperimentResult, type GradProjMethod } from './experiments/gradproj-rotated-mnist.js';
export * as scenarios from './scenarios/index.js';
export * as methods from './methods/index.js';
/** The method plugins at the top level too, as the docs name them: cl.EWC, cl.LwF, cl.Replay, … */
export { EWC, RWalk, LwF, AmnesiacLwF, UpdateRecorder, Replay } from './methods/index.js';
export * as fisher from './fisher/index.js';
export * as plots from './plots/index.js';
export * as hnet from './hnet/index.js';
export { Strategy, type StrategyOptions, type Progress as StrategyProgress, type RunOptions } from './strategy/strategy.js';
export type { StrategyPlugin, StepOptimizer, ExperienceContext, IterationContext, PluginState, LoadablePluginState } from './strategy/plugin.js';
export { metricsOf, protectedShareOf, type StrategyResult, type StrategyTimings } from './strategy/result.js';
export { scenarios as scenarioRegistry, scenarioSpec, type ScenarioSpec, type Recipe } from './scenarios/registry.js';
export { runExperiment, resolveExperiment, type ExperimentConfig, type ExperimentRunOptions } from './experiments/run-experiment.js';
