/**
 * Bad input to cl: method plugins and their options, gradient-projection calculators, hypernetworks,
 * Fisher matrices, metrics, scenarios from datasets, and the Strategy loop.
 */
import * as wc from '../../../index.js';
import type { cl as CL } from '../../../index.js';
import { badInput, js, says, type BadInputCase } from './case.js';
import { images } from './nn.js';

const { nn, cl } = wc;
const ints = (v: number[]) => wc.tensor(v, [v.length], { dtype: 'int32' });
/** A GPU dataset of four 3-feature samples with these labels. */
const data = (labels = [0, 1, 0, 1]) => new nn.TensorDataset(wc.zeros([labels.length, 3]), ints(labels));
const strategyOptions = (model: wc.nn.Module) => ({ model, optimizer: (p: wc.Tensor[]) => new nn.SGD(p, { lr: 0.1 }), epochs: 1, batchSize: 2, seed: 0 });

/** A scenario of two experiences over `data()` (held by the caller: dispose() leaves them). */
function scenario(overrides: Partial<CL.scenarios.Experience> = {}, setting: CL.scenarios.Setting = 'domain'): CL.scenarios.Scenario & { sets: wc.nn.TensorDataset[] } {
  const sets = [data(), data(), data(), data()];
  const experience = (index: number) => ({ index, taskId: 0, name: `e${index}`, classes: [0, 1], train: sets[2 * index]!, test: sets[2 * index + 1]!, ...(index === 1 ? overrides : {}) });
  return { name: 'tiny', setting, inputShape: [3], outputs: 2, heads: 1, experiences: [experience(0), experience(1)], sets, dispose: () => {} };
}

/** A strategy over Linear(3, 2) and a scenario whose second experience has `overrides`. */
const run = (overrides: Partial<CL.scenarios.Experience>, model: () => wc.nn.Module = () => new nn.Linear(3, 2)) => () => {
  const m = model();
  return { model: m, strategy: new cl.Strategy(strategyOptions(m)), scenario: scenario(overrides) };
};

export function clCases(): BadInputCase[] {
  return [
    // Method plugins: out-of-range and wrongly typed options.
    badInput('EWC without options', undefined, () => new cl.EWC(js(undefined)), says('EWC', 'options', 'lambda', 'undefined')),
    badInput('EWC with λ < 0', undefined, () => new cl.EWC({ lambda: -1 }), says('EWC', 'lambda', '≥ 0', '-1')),
    badInput('EWC with a string λ', undefined, () => new cl.EWC({ lambda: js('100') }), says('EWC', 'lambda', '≥ 0', '"100"')),
    badInput('EWC with an infinite λ', undefined, () => new cl.EWC({ lambda: Infinity }), says('EWC', 'lambda', 'finite', 'Infinity')),
    badInput('online EWC with γ > 1', undefined, () => new cl.EWC({ lambda: 1, mode: 'online', gamma: 1.5 }), says('EWC', 'gamma', '[0, 1]', '1.5')),
    badInput('online EWC with γ < 0', undefined, () => new cl.EWC({ lambda: 1, mode: 'online', gamma: -0.1 }), says('EWC', 'gamma', '[0, 1]', '-0.1')),
    badInput('EWC with γ in separate mode', undefined, () => new cl.EWC({ lambda: 1, gamma: 0.5 }), says('EWC', 'gamma', "'online'", '0.5')),
    badInput('EWC with an unknown mode', undefined, () => new cl.EWC({ lambda: 1, mode: js('offline') }), says('EWC', 'mode', "'separate'", 'offline')),
    badInput('EWC with an unknown Fisher representation', undefined, () => new cl.EWC({ lambda: 1, fisher: { representation: js('full') } }), says('EWC', 'fisher.representation', 'diag', 'full')),
    badInput('EWC with 0 Fisher samples', undefined, () => new cl.EWC({ lambda: 1, fisher: { samples: 0 } }), says('EWC', 'fisher.samples', 'positive integer', '0')),
    badInput('EWC with prior variance 0', undefined, () => new cl.EWC({ lambda: 1, priorVariance: 0 }), says('EWC', 'priorVariance', '> 0', '0')),
    badInput('EWC with a fractional seed', undefined, () => new cl.EWC({ lambda: 1, seed: 0.5 }), says('EWC', 'seed', 'integer', '0.5')),
    badInput('LwF without options', undefined, () => new cl.LwF(js(undefined)), says('LwF', 'options', 'alpha', 'undefined')),
    badInput('LwF with α < 0', undefined, () => new cl.LwF({ alpha: -1, temperature: 2 }), says('LwF', 'alpha', '≥ 0', '-1')),
    badInput('LwF with an empty α list', undefined, () => new cl.LwF({ alpha: [], temperature: 2 }), says('LwF', 'alpha', 'non-empty', '[]')),
    badInput('LwF with T = 0', undefined, () => new cl.LwF({ alpha: 1, temperature: 0 }), says('LwF', 'temperature', '> 0', '0')),
    badInput('LwF with T < 0', undefined, () => new cl.LwF({ alpha: 1, temperature: -2 }), says('LwF', 'temperature', '> 0', '-2')),
    badInput('LwF with a string T', undefined, () => new cl.LwF({ alpha: 1, temperature: js('2') }), says('LwF', 'temperature', '> 0', '"2"')),
    badInput('LwF with perTaskTeachers "yes"', undefined, () => new cl.LwF({ alpha: 1, temperature: 2, perTaskTeachers: js('yes') }), says('LwF', 'perTaskTeachers', 'true or false', '"yes"')),
    badInput('Replay without options', undefined, () => new cl.Replay(js(undefined)), says('Replay', 'options', 'bufferSize', 'undefined')),
    badInput('Replay with buffer size 0', undefined, () => new cl.Replay({ bufferSize: 0 }), says('Replay', 'bufferSize', 'positive integer', '0')),
    badInput('Replay with a string buffer size', undefined, () => new cl.Replay({ bufferSize: js('100') }), says('Replay', 'bufferSize', 'positive integer', '"100"')),
    badInput('Replay with batch ratio 0', undefined, () => new cl.Replay({ bufferSize: 10, batchRatio: 0 }), says('Replay', 'batchRatio', '> 0', '0')),
    badInput('Replay with replay batch 0', undefined, () => new cl.Replay({ bufferSize: 10, replayBatch: 0 }), says('Replay', 'replayBatch', 'positive integer', '0')),
    badInput('Replay with both batch ratio and replay batch', undefined, () => new cl.Replay({ bufferSize: 10, batchRatio: 1, replayBatch: 4 }), says('Replay', 'batchRatio', 'replayBatch', 'not both')),
    badInput('Replay with an unknown storage', undefined, () => new cl.Replay({ bufferSize: 10, storage: js('fifo') }), says('Replay', 'storage', 'reservoir', 'fifo')),
    badInput('Replay with damping 0', undefined, () => new cl.Replay({ bufferSize: 10, precondition: 'diag', damping: 0 }), says('Replay', 'damping', '> 0', '0')),
    badInput('RWalk with α > 1', undefined, () => new cl.RWalk({ alpha: 2 }), says('RWalk', 'options.alpha', '[0, 1]', '2')),
    badInput('RWalk with λ < 0', undefined, () => new cl.RWalk({ lambda: -1 }), says('RWalk', 'options.lambda', '≥ 0', '-1')),
    badInput('RWalk with Δt = 0', undefined, () => new cl.RWalk({ deltaT: 0 }), says('RWalk', 'options.deltaT', 'positive integer', '0')),
    badInput('RWalk with a misspelt option', undefined, () => new cl.RWalk(js({ lamda: 1 })), says('RWalk', "'lamda'", 'lambda')),
    badInput('GPM with R = 1', undefined, () => new wc.GPM({ R: 1 }), says('GPM', 'R', '(0, 1)', '1')),
    badInput('GPM with R = 0', undefined, () => new wc.GPM({ R: 0 }), says('GPM', 'R', '(0, 1)', '0')),
    badInput('GPM with a string R', undefined, () => new wc.GPM({ R: js('0.5') }), says('GPM', 'R', '(0, 1)', 'string "0.5"')),
    badInput('GPM with 0 samples', undefined, () => new wc.GPM({ maxSamples: 0 }), says('GPM', 'maxSamples', '> 0', '0')),
    badInput('NullSpace with R = 1', undefined, () => new wc.NullSpace({ R: 1 }), says('NullSpace', 'R', '(0, 1)', '1')),
    badInput('NullSpace with a NaN a', undefined, () => new wc.NullSpace({ a: NaN }), says('NullSpace', 'a', 'finite', 'NaN')),
    badInput('GradProjLinear with 0 inputs', undefined, () => new wc.GradProjLinear(0, 2, new wc.ZeroPlasticity()), says('GradProjLinear', 'inDim', 'positive integer', '0')),
    badInput('HnetRegularizer with β < 0', undefined, () => new cl.hnet.HnetRegularizer({ beta: -1 }), says('HnetRegularizer', 'options.beta', '≥ 0', '-1')),
    badInput('HnetRegularizer without β', undefined, () => new cl.hnet.HnetRegularizer(js({})), says('HnetRegularizer', 'options.beta', 'required', 'undefined')),
    badInput('HMLP with 0 tasks', undefined, () => new cl.hnet.HMLP({ targetShapes: [[2, 2]], tasks: 0, embeddingSize: 4, hidden: [8] }), says('HMLP', 'options.tasks', 'positive integer', '0')),
    badInput('MainMLP with a zero layer', undefined, () => new cl.hnet.MainMLP([3, 0, 2]), says('MainMLP', 'sizes', 'positive integers', 'an array')),
    badInput('HnetModel.selectTask beyond the embeddings', () => new cl.hnet.HnetModel(new cl.hnet.MainMLP([3, 2]), { tasks: 2, embeddingSize: 2, hidden: [4] }), (m) => m.selectTask(2), says('HnetModel.selectTask', 'task', '[0, 1]', '2')),

    // Fisher matrices, metrics, evaluation.
    badInput('fisher.compute of a non-dataset', () => new nn.Linear(3, 2), (m) => cl.fisher.compute(m, js(3)), says('cl.fisher.compute', 'data', 'TensorDataset', 'number 3')),
    badInput('fisher.compute with an unknown representation', () => ({ m: new nn.Linear(3, 2), d: data() }), ({ m, d }) => cl.fisher.compute(m, d, { representation: js('full') }), says('cl.fisher.compute', 'representation', 'diag', 'full')),
    badInput('fisher.compute with labels beyond the outputs', () => ({ m: new nn.Linear(3, 2), d: data([0, 5, 1, 0]) }), ({ m, d }) => cl.fisher.compute(m, d, { variant: 'empirical' }), says('cl.fisher.compute', 'label', 'outside [0, 2)')),
    badInput('averageAccuracy of null', undefined, () => cl.averageAccuracy(js(null)), says('averageAccuracy', 'accuracy matrix', 'null')),
    badInput('backwardTransfer of a ragged matrix', undefined, () => cl.backwardTransfer([[1, 0], [1]]), says('backwardTransfer', '2×2', 'row 1', '1 entries')),
    badInput('forgetting of an empty matrix', undefined, () => cl.forgetting([]), says('forgetting', 'empty')),
    badInput('forwardTransfer with too few baselines', undefined, () => cl.forwardTransfer([[1, 0], [1, 1]], [0.5]), says('forwardTransfer', 'untrained', '2', '1')),
    badInput('accuracy of a non-dataset', () => new nn.Linear(3, 2), (m) => cl.accuracy(m, js({ n: 4 })), says('accuracy', 'data', 'TensorDataset', 'an object')),
    badInput('accuracy of a non-module', data, (d) => cl.accuracy(js(null), d), says('accuracy', 'model', 'Module', 'null')),

    // Scenarios from datasets.
    badInput('fromDatasets of no experience', undefined, () => cl.scenarios.fromDatasets([], { setting: 'class' }), says('fromDatasets', 'list', 'at least one', 'empty')),
    badInput('fromDatasets without options', undefined, () => cl.scenarios.fromDatasets([{ train: images(), test: images() }], js(undefined)), says('fromDatasets', 'options', 'setting', 'undefined')),
    badInput('fromDatasets with an unknown setting', undefined, () => cl.scenarios.fromDatasets([{ train: images(), test: images() }], { setting: js('online') }), says('fromDatasets', 'setting', "'task'", 'online')),
    badInput('fromDatasets with no test set', undefined, () => cl.scenarios.fromDatasets([js({ train: images() })], { setting: 'class' }), says('fromDatasets', "experience 0's test", 'TensorDataset', 'undefined')),
    badInput('fromDatasets with an empty training set', undefined, () => cl.scenarios.fromDatasets([{ train: images(0), test: images() }], { setting: 'class' }), says('fromDatasets', 'experience 0', 'empty train')),
    badInput('fromDatasets with one class only', undefined, () => cl.scenarios.fromDatasets([{ train: images(4, 1), test: images(4, 1) }], { setting: 'class' }), says('fromDatasets', 'outputs', '2 classes', '1')),
    badInput('fromDatasets with labels beyond outputs', undefined, () => cl.scenarios.fromDatasets([{ train: images(4, 3), test: images() }], { setting: 'class', outputs: 2 }), says('fromDatasets', "train label 2", 'outside [0, 2)')),
    badInput('fromDatasets with a task id beyond the heads', undefined, () => cl.scenarios.fromDatasets([{ train: images(), test: images(), taskId: 3 }], { setting: 'task', heads: 2 }), says('fromDatasets', 'taskId', '3', '[0, 2)')),
    badInput('fromDatasets with a task id in the class setting', undefined, () => cl.scenarios.fromDatasets([{ train: images(), test: images(), taskId: 1 }], { setting: 'class' }), says('fromDatasets', 'taskId', '1', "'class'")),
    badInput('fromDatasets with GPU labels beyond outputs', () => [data([0, 1, 2, 0]), data()], ([train, test]) => cl.scenarios.fromDatasets([{ train: train!, test: test! }], { setting: 'class', outputs: 2 }), says('fromDatasets', 'label 2', 'outside [0, 2)')),
    badInput('fromDatasets with input shapes that differ', () => [data(), new nn.TensorDataset(wc.zeros([2, 4]), ints([0, 1]))], ([a, b]) => cl.scenarios.fromDatasets([{ train: a!, test: b! }], { setting: 'class' }), says('fromDatasets', '[4]', '[3]')),
    badInput('permutedMnist with a fractional seed', undefined, () => cl.scenarios.permutedMnist({ seed: 0.5 }), says('permutedMnist', 'seed', 'integer', '0.5')),

    // The Strategy loop.
    badInput('Strategy without options', undefined, () => new cl.Strategy(js(undefined)), says('Strategy', 'options', 'model', 'undefined')),
    badInput('Strategy of a non-module', undefined, () => new cl.Strategy({ ...strategyOptions(js({})) }), says('Strategy', 'options.model', 'nn.Module', 'an object')),
    badInput('Strategy with an optimizer object', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), optimizer: js(new nn.SGD(m.parameters(), { lr: 0.1 })) }), says('Strategy', 'options.optimizer', 'factory', 'a SGD')),
    badInput('Strategy with 0 epochs', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), epochs: 0 }), says('Strategy', 'options.epochs', 'positive integer', '0')),
    badInput('Strategy with batch size 0', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), batchSize: 0 }), says('Strategy', 'options.batchSize', 'positive integer', '0')),
    badInput('Strategy with a string batch size', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), batchSize: js('32') }), says('Strategy', 'options.batchSize', 'positive integer', '"32"')),
    badInput('Strategy with a fractional seed', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), seed: 0.5 }), says('Strategy', 'options.seed', 'integer', '0.5')),
    badInput('Strategy with evalEvery "step"', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), evalEvery: js('step') }), says('Strategy', 'options.evalEvery', "'experience'", 'step')),
    badInput('Strategy with gradient clipping 0', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), clipGradValue: 0 }), says('Strategy', 'options.clipGradValue', '> 0', '0')),
    badInput('Strategy with a string gradient clipping', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), clipGradValue: js('1') }), says('Strategy', 'options.clipGradValue', '> 0', 'string "1"')),
    badInput('Strategy with a number as a plugin', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), plugins: [js(3)] }), says('Strategy', 'options.plugins[0]', 'plugin', 'number 3')),
    badInput('Strategy with progress every 0 steps', () => new nn.Linear(3, 2), (m) => new cl.Strategy({ ...strategyOptions(m), progressEvery: 0 }), says('Strategy', 'options.progressEvery', 'positive integer', '0')),
    badInput('Strategy.run of a non-scenario', run({}), ({ strategy }) => strategy.run(js(undefined)), says('Strategy.run', 'scenario', 'experiences', 'undefined')),
    badInput('Strategy.run of an experience with no test set', run({ test: js(undefined) }), ({ strategy, scenario }) => strategy.run(scenario), says('Strategy.run', 'experience 1', 'test', 'TensorDataset', 'undefined')),
    badInput('Strategy.run of an experience with an array as training set', run({ train: js([]) }), ({ strategy, scenario }) => strategy.run(scenario), says('Strategy.run', 'experience 1', 'train', 'TensorDataset', 'an array')),
    badInput('Strategy.run with a task id beyond the heads', run({ taskId: 2 }, () => nn.MultiHead.linear(3, [2, 2])), ({ strategy, scenario }) => strategy.run(scenario), says('Strategy.run', 'experience 1', 'task id 2', '2 heads (task ids 0..1)')),
    badInput('Strategy.run with unlearning and no recorder', run({}), ({ strategy, scenario }) => strategy.run(scenario, { unlearn: [0] }), says('Strategy.run', 'options.unlearn', 'records no parameter updates')),
    badInput('Strategy.unlearn of an untrained experience', () => { const m = new nn.Linear(3, 2); return { model: m, strategy: new cl.Strategy({ ...strategyOptions(m), plugins: [new cl.UpdateRecorder()] }) }; }, ({ strategy }) => strategy.unlearn([0]), says('Strategy.unlearn', 'experience 0', 'not trained', 'none')),
  ];
}
