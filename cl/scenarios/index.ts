/**
 * Scenarios: continual-learning streams of real data, each a list of experiences (experience.ts).
 * Built in: permuted, rotated and split MNIST, split Fashion-MNIST, MNIST then Fashion-MNIST; your
 * own data through fromDatasets() (and IDX files, e.g. KMNIST, through fromIdx()).
 */
export type { Experience, Scenario, Setting } from './experience.js';
export { DEFAULT_NORMALIZATION, type ScenarioLoadOptions } from './common.js';
export { permutedMnist, mnistPermutations, type PermutedMnist, type PermutedMnistOptions } from './permuted-mnist.js';
export { splitMnist, splitFashionMnist, type SplitOptions } from './split.js';
export { mnistThenFashion, type MnistThenFashionOptions } from './mnist-then-fashion.js';
export { rotatedMnist, rotatedMnistScenario, SEED_NORMALIZATION, type DomainTask, type RotatedMnist } from './rotated-mnist.js';
export { fromDatasets, type ExperienceData, type FromDatasetsOptions } from './from-datasets.js';
export { fromIdx, idxDataset, IDX_FILES, type IdxOptions, type IdxNames } from './from-idx.js';
export { jointScenario } from './joint.js';
export { polynomialRegression, POLYNOMIAL_TASKS, type PolynomialRegressionOptions, type RegressionScenario, type RegressionTask } from './polynomial-regression.js';
