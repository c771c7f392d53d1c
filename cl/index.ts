/** Continual learning: gradient projection (orthocl API), metrics, scenarios, experiments. */
export * from './gradproj/index.js';
export * from './metrics.js';
export { accuracy } from './eval/accuracy.js';
export { rotatedMnist, SEED_NORMALIZATION, type DomainTask, type RotatedMnist } from './scenarios/rotated-mnist.js';
export { runRotatedMnist, SEED_CONFIG, GRADPROJ_METHODS, type RotatedMnistConfig, type ExperimentResult, type GradProjMethod } from './experiments/gradproj-rotated-mnist.js';
