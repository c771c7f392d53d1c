/** Bad input to nn: layers, losses, optimizers, schedulers, clipping, initialisation, modules, data. */
import * as wc from '../../../index.js';
import type { Device } from '../../../index.js';
import { badInput, js, says, type BadInputCase } from './case.js';

const { nn } = wc;
const ints = (v: number[]) => wc.tensor(v, [v.length], { dtype: 'int32' });
const disposed = (shape: number[] = [2]) => { const t = wc.ones(shape); t.dispose(); return t; };
/** A parameter with a gradient, as after backward(). */
const withGrad = () => { const p = wc.ones([2], { requiresGrad: true }); wc.sum(wc.mul(p, 2)).backward(); return p; };
const sgd = () => new nn.SGD([wc.ones([2], { requiresGrad: true })], { lr: 0.1 });
/** A host dataset of `n` 2×2 images of `classes` classes. */
export const images = (n = 4, classes = 2): wc.nn.ImageDataset => ({
  images: new Float32Array(n * 4), labels: Int32Array.from({ length: n }, (_, i) => i % classes), n, shape: [1, 2, 2], numClasses: classes,
});
const tensorDataset = () => new nn.TensorDataset(wc.zeros([4, 3]), ints([0, 1, 0, 1]));

export function nnCases(other: () => Device): BadInputCase[] {
  return [
    // Layers: constructors.
    badInput('Linear with 0 inputs', undefined, () => new nn.Linear(0, 2), says('Linear', 'inFeatures', 'positive integer', '0')),
    badInput('Linear with a string size', undefined, () => new nn.Linear(js('3'), 2), says('Linear', 'inFeatures', 'positive integer', 'string "3"')),
    badInput('Linear with a fractional size', undefined, () => new nn.Linear(3, 2.5), says('Linear', 'outFeatures', 'positive integer', '2.5')),
    badInput('Conv2d with kernel 0', undefined, () => new nn.Conv2d(1, 2, 0), says('Conv2d', 'kernel', '0')),
    badInput('Conv2d with stride 0', undefined, () => new nn.Conv2d(1, 2, 3, { stride: 0 }), says('Conv2d', 'stride', '0')),
    badInput('Conv2d with 0 output channels', undefined, () => new nn.Conv2d(1, 0, 3), says('Conv2d', 'outChannels', 'positive integer', '0')),
    badInput('MaxPool2d with kernel 0', undefined, () => new nn.MaxPool2d(0), says('MaxPool2d', 'kernel', '0')),
    badInput('AdaptiveMaxPool2d with output 0', undefined, () => new nn.AdaptiveMaxPool2d(0), says('AdaptiveMaxPool2d', 'outputSize', '0')),
    badInput('Dropout with p above 1', undefined, () => new nn.Dropout(1.5), says('Dropout', 'p', '[0, 1]', '1.5')),
    badInput('Dropout with a string p', undefined, () => new nn.Dropout(js('0.5')), says('Dropout', 'p', '[0, 1]', 'string "0.5"')),
    badInput('dropout with a negative seed', () => wc.ones([2]), (x) => nn.dropout(x, 0.5, -1), says('dropout', 'seed', '-1')),
    badInput('LeakyReLU with a NaN slope', undefined, () => new nn.LeakyReLU(NaN), says('LeakyReLU', 'slope', 'finite', 'NaN')),
    badInput('Sequential of a number', undefined, () => new nn.Sequential(js(3)), says('Sequential', 'element 0', 'Module', 'number 3')),
    badInput('MultiHead with 0 heads', undefined, () => new nn.MultiHead(3, 0, 2), says('MultiHead', 'heads', 'positive integer', '0')),
    badInput('MultiHead.addHead of a number', () => new nn.MultiHead(3, 1, 2), (m) => m.addHead(js(3)), says('MultiHead.addHead', 'head', 'Module', 'number 3')),
    // Layers: forward.
    badInput('Linear.forward of the wrong width', () => ({ m: new nn.Linear(4, 2), x: wc.zeros([5, 3]) }), ({ m, x }) => m.forward(x), says('Linear.forward', 'x', '[N, 4]', '[5, 3]')),
    badInput('Linear.forward of int32', () => ({ m: new nn.Linear(2, 2), x: wc.tensor([1, 2], [1, 2], { dtype: 'int32' }) }), ({ m, x }) => m.forward(x), says('Linear.forward', 'x', 'float32', 'int32')),
    badInput('Linear.forward of a disposed tensor', () => ({ m: new nn.Linear(2, 2), x: disposed([1, 2]) }), ({ m, x }) => m.forward(x), says('Linear.forward', 'x', 'already disposed')),
    badInput('Linear.forward of an array', () => new nn.Linear(2, 2), (m) => m.forward(js([[1, 2]])), says('Linear.forward', 'x', 'Tensor', 'an array')),
    badInput('Conv2d.forward with other channels', () => ({ m: new nn.Conv2d(3, 2, 3), x: wc.zeros([1, 1, 5, 5]) }), ({ m, x }) => m.forward(x), says('conv2d', '1 channels', '3')),
    badInput('Conv2d.forward of 2-D input', () => ({ m: new nn.Conv2d(1, 2, 3), x: wc.zeros([5, 5]) }), ({ m, x }) => m.forward(x), says('conv2d', 'x', '[5, 5]')),
    badInput('MaxPool2d.forward of 2-D input', () => ({ m: new nn.MaxPool2d(2), x: wc.zeros([4, 4]) }), ({ m, x }) => m.forward(x), says('maxPool2d', 'x', '[4, 4]')),
    badInput('Flatten.forward with startDim after endDim', () => ({ m: new nn.Flatten(2, 1), x: wc.zeros([1, 2, 3]) }), ({ m, x }) => m.forward(x), says('Flatten', 'startDim', 'endDim', '[1, 2, 3]')),
    badInput('MultiHead.forward with a task id beyond the heads', () => ({ m: new nn.MultiHead(3, 2, 2), x: wc.zeros([1, 3]) }), ({ m, x }) => m.forward(x, 2), says('MultiHead.forward', 'taskId', '[0, 2)', '2')),
    badInput('MultiHead.select with a negative task id', () => new nn.MultiHead(3, 2, 2), (m) => m.select(-1), says('MultiHead.select', 'taskId', '[0, 2)', '-1')),
    badInput('MultiHead.select with a string task id', () => new nn.MultiHead(3, 2, 2), (m) => m.select(js('1')), says('MultiHead.select', 'taskId', '[0, 2)', 'string "1"')),
    badInput('Linear.forward with x on another device', () => ({ m: new nn.Linear(2, 2), x: wc.zeros([1, 2], { device: other() }) }), ({ m, x }) => m.forward(x), says('Linear.forward', 'weight', 'on another device than', 'x')),
    badInput('functional.linear with a mismatched weight', () => ({ x: wc.zeros([1, 3]), w: wc.zeros([2, 4]) }), ({ x, w }) => nn.functional.linear(x, w), says('linear', 'weight', '[2, 4]', '3')),

    // Losses.
    badInput('mse of different shapes', () => ({ a: wc.zeros([2]), b: wc.zeros([3]) }), ({ a, b }) => nn.mse(a, b), says('mse', 'target', '[2]', '[3]')),
    badInput('mse with an unknown reduction', () => wc.zeros([2]), (a) => nn.mse(a, a, { reduction: js('avg') }), says('mse', 'reduction', "'mean'", 'avg')),
    badInput('mse of int32 targets', () => ({ a: wc.zeros([2]), b: ints([0, 1]) }), ({ a, b }) => nn.mse(a, b), says('mse', 'target', 'float32', 'int32')),
    badInput('crossEntropy with an unknown reduction', () => ({ l: wc.zeros([2, 3]), y: ints([0, 1]) }), ({ l, y }) => nn.crossEntropy(l, y, { reduction: js('avg') }), says('crossEntropy', 'reduction', "'mean'", 'avg')),
    badInput('crossEntropy of a disposed logits', () => ({ l: disposed([2, 3]), y: ints([0, 1]) }), ({ l, y }) => nn.crossEntropy(l, y), says('crossEntropy', 'logits', 'already disposed')),
    badInput('distillation with temperature 0', () => wc.zeros([2, 3]), (s) => nn.distillation(s, s, { temperature: 0 }), says('distillation', 'temperature', '> 0', '0')),
    badInput('distillation with a string temperature', () => wc.zeros([2, 3]), (s) => nn.distillation(s, s, { temperature: js('2') }), says('distillation', 'temperature', '> 0', 'string "2"')),
    badInput('distillation with an infinite temperature', () => wc.zeros([2, 3]), (s) => nn.distillation(s, s, { temperature: Infinity }), says('distillation', 'options.temperature', 'finite', 'Infinity')),
    badInput('distillation of different shapes', () => ({ s: wc.zeros([2, 3]), t: wc.zeros([2, 4]) }), ({ s, t }) => nn.distillation(s, t), says('distillation', '[2, 3]', '[2, 4]')),

    // Optimizers and schedulers.
    badInput('SGD without options', () => [wc.ones([2])], (p) => new nn.SGD(p, js(undefined)), says('SGD', 'options.lr', 'required', 'undefined')),
    badInput('SGD with a negative lr', () => [wc.ones([2])], (p) => new nn.SGD(p, { lr: -1 }), says('SGD', 'options.lr', '≥ 0', '-1')),
    badInput('SGD with a string lr', () => [wc.ones([2])], (p) => new nn.SGD(p, { lr: js('0.1') }), says('SGD', 'options.lr', '≥ 0', 'string "0.1"')),
    badInput('SGD with a NaN lr', () => [wc.ones([2])], (p) => new nn.SGD(p, { lr: NaN }), says('SGD', 'options.lr', '≥ 0', 'NaN')),
    badInput('SGD with a negative momentum', () => [wc.ones([2])], (p) => new nn.SGD(p, { lr: 0.1, momentum: -0.5 }), says('SGD', 'options.momentum', '≥ 0', '-0.5')),
    badInput('SGD with nesterov and no momentum', () => [wc.ones([2])], (p) => new nn.SGD(p, { lr: 0.1, nesterov: true }), says('SGD', 'nesterov', 'momentum > 0', 'momentum 0')),
    badInput('SGD with a misspelt option', () => [wc.ones([2])], (p) => new nn.SGD(p, js({ lr: 0.1, momentun: 0.9 })), says('SGD', "'momentun'", 'momentum')),
    badInput('SGD of no parameter', undefined, () => new nn.SGD([], { lr: 0.1 }), says('SGD', 'parameter list', 'empty')),
    badInput('SGD of a number', undefined, () => new nn.SGD(js(3), { lr: 0.1 }), says('SGD', 'params', 'list of Tensors', 'number 3')),
    badInput('SGD of an int32 parameter', () => [ints([1])], (p) => new nn.SGD(p, { lr: 0.1 }), says('SGD', 'parameter 0', 'float32', 'int32')),
    badInput('SGD of a disposed parameter', () => [disposed()], (p) => new nn.SGD(p, { lr: 0.1 }), says('SGD', 'parameter 0', 'already disposed')),
    badInput('SGD of a parameter listed twice', () => wc.ones([2]), (p) => new nn.SGD([p, p], { lr: 0.1 }), says('SGD', 'parameter 1', 'twice')),
    badInput('Adam with beta1 = 1', () => [wc.ones([2])], (p) => new nn.Adam(p, { betas: [1, 0.999] }), says('Adam', 'options.betas[0]', '[0, 1)', '1')),
    badInput('Adam with betas not a pair', () => [wc.ones([2])], (p) => new nn.Adam(p, { betas: js(0.9) }), says('Adam', 'options.betas', 'pair', 'number 0.9')),
    badInput('Adam with a NaN eps', () => [wc.ones([2])], (p) => new nn.Adam(p, { eps: NaN }), says('Adam', 'options.eps', '≥ 0', 'NaN')),
    badInput('RMSprop with alpha 2', () => [wc.ones([2])], (p) => new nn.RMSprop(p, { alpha: 2 }), says('RMSprop', 'options.alpha', '[0, 1]', '2')),
    badInput('setting a negative lr', sgd, (o) => { o.lr = -1; }, says('SGD', 'lr', '≥ 0', '-1')),
    badInput('StepLR with step size 0', sgd, (o) => new nn.StepLR(o, 0), says('StepLR', 'stepSize', 'integer', '0')),
    badInput('StepLR of a non-optimizer', undefined, () => new nn.StepLR(js({ lr: 0.1 }), 1), says('StepLR', 'optimizer', 'Optimizer', 'an object')),
    badInput('LambdaLR of a number', sgd, (o) => new nn.LambdaLR(o, js(0.5)), says('LambdaLR', 'lrLambda', 'function', 'number 0.5')),
    badInput('ReduceLROnPlateau with factor 1', sgd, (o) => new nn.ReduceLROnPlateau(o, { factor: 1 }), says('ReduceLROnPlateau', 'options.factor', '[0, 1)', '1')),
    badInput('ReduceLROnPlateau.step of a string', () => new nn.ReduceLROnPlateau(sgd()), (s) => s.step(js('0.5')), says('ReduceLROnPlateau.step', 'metric', 'number', '0.5')),

    // Clipping and initialisation.
    badInput('clipGradValue below 0', () => [withGrad()], (p) => nn.clipGradValue(p, -1), says('clipGradValue', 'clipValue', '≥ 0', '-1')),
    badInput('clipGradValue with a string', () => [withGrad()], (p) => nn.clipGradValue(p, js('1')), says('clipGradValue', 'clipValue', '≥ 0', 'string "1"')),
    badInput('clipGradNorm with NaN', () => [withGrad()], (p) => nn.clipGradNorm(p, NaN), says('clipGradNorm', 'maxNorm', '≥ 0', 'NaN')),
    badInput('clipGradNorm of a number', undefined, () => nn.clipGradNorm(js(3), 1), says('clipGradNorm', 'params', 'Tensors', 'number 3')),
    badInput('init.kaimingUniform of a vector shape', undefined, () => nn.init.kaimingUniform([3]), says('fanIn', '2 dimensions', '[3]')),
    badInput('init.uniform with a negative bound', undefined, () => nn.init.uniform([2], -1), says('init.uniform', 'bound', '≥ 0', '-1')),
    badInput('loadStateDict with a wrong shape', () => new nn.Linear(2, 3), (m) => m.loadStateDict({ weight: { shape: [2, 2], dtype: 'float32', data: new Float32Array(4) }, bias: { shape: [3], dtype: 'float32', data: new Float32Array(3) } }), says('loadStateDict', 'weight', '[2, 2]', '[3, 2]')),
    badInput('loadStateDict with a missing key', () => new nn.Linear(2, 3), (m) => m.loadStateDict({}), says('loadStateDict', 'missing', 'weight')),

    // Data.
    badInput('DataLoader with batch size 0', tensorDataset, (d) => new nn.DataLoader(d, { batchSize: 0 }), says('DataLoader', 'batchSize', 'positive integer', '0')),
    badInput('DataLoader with a string batch size', tensorDataset, (d) => new nn.DataLoader(d, { batchSize: js('8') }), says('DataLoader', 'batchSize', 'positive integer', 'string "8"')),
    badInput('DataLoader of a number', undefined, () => new nn.DataLoader(js(3)), says('DataLoader', 'dataset', 'TensorDataset', 'number 3')),
    badInput('DataLoader with a fractional seed', tensorDataset, (d) => new nn.DataLoader(d, { seed: 0.5 }), says('DataLoader', 'seed', 'integer', '0.5')),
    badInput('DataLoader.setEpoch(-1)', tensorDataset, (d) => new nn.DataLoader(d).setEpoch(-1), says('DataLoader.setEpoch', 'epoch', 'non-negative integer', '-1')),
    badInput('TensorDataset with 2-D labels', () => ({ x: wc.zeros([2, 3]), y: wc.tensor([0, 1], [2, 1], { dtype: 'int32' }) }), ({ x, y }) => new nn.TensorDataset(x, y), says('TensorDataset', 'y', '1-D', '[2, 1]')),
    badInput('TensorDataset with one label too few', () => ({ x: wc.zeros([3, 3]), y: ints([0, 1]) }), ({ x, y }) => new nn.TensorDataset(x, y), says('TensorDataset', 'x', '[3, 3]', '(2)')),
    badInput('TensorDataset across devices', () => ({ x: wc.zeros([2, 3], { device: other() }), y: ints([0, 1]) }), ({ x, y }) => new nn.TensorDataset(x, y), says('TensorDataset', 'y', 'on another device than', 'x')),
    badInput('TensorDataset.rows of float indices', () => ({ d: tensorDataset(), i: wc.zeros([1]) }), ({ d, i }) => d.rows(i), says('TensorDataset.rows', 'indices', 'int32', 'float32')),
    badInput('toDevice with an unknown storage', images, (d) => nn.toDevice(d, undefined, { storage: js('half') }), says('toDevice', 'storage', "'float32'", 'half')),
    badInput('classSubset of no class', images, (d) => nn.transforms.classSubset(d, []), says('classSubset', 'classes', 'non-empty')),
    badInput('classSubset of a class the dataset lacks', images, (d) => nn.transforms.classSubset(d, [0, 5]), says('classSubset', 'class 5', '0..1')),
    badInput('rotate of a vector', () => wc.zeros([4]), (x) => nn.transforms.rotate(x, 90), says('rotate', 'images', '[..., H, W]', '[4]')),
    badInput('rotate by a NaN angle', () => wc.zeros([1, 2, 2]), (x) => nn.transforms.rotate(x, NaN), says('rotate', 'degrees', 'finite', 'NaN')),
    badInput('permutePixels of a vector', () => wc.zeros([4]), (x) => nn.transforms.permutePixels(x, 1), says('permutePixels', 'images', '[..., H, W]', '[4]')),
    badInput('pixelPermutation of size 0', undefined, () => nn.transforms.pixelPermutation(0, 1), says('pixelPermutation', 'size', 'positive integer', '0')),
  ];
}
