/** Bad input to the engine: tensor ops, factories, autograd, random, linear algebra, devices. */
import * as wc from '../../../index.js';
import type { Device } from '../../../index.js';
import { badInput, js, says, type BadInputCase } from './case.js';

const x23 = () => wc.ones([2, 3]);
const disposed = (shape: number[] = [2]) => { const t = wc.ones(shape); t.dispose(); return t; };
const ints = (v: number[]) => wc.tensor(v, [v.length], { dtype: 'int32' });

/** Cases that mix tensors of the current device with one of `other`. */
function crossDevice(other: () => Device): BadInputCase[] {
  const pair = () => ({ a: wc.ones([2, 2]), b: wc.ones([2, 2], { device: other() }) });
  const onOther = 'on another device than';
  return [
    badInput('add across devices', pair, ({ a, b }) => wc.add(a, b), says('add', 'b', onOther, 'a')),
    badInput('matmul across devices', pair, ({ a, b }) => wc.matmul(a, b), says('matmul', 'b', onOther, 'a')),
    badInput('where across devices', () => ({ ...pair(), c: wc.ones([2, 2]) }), ({ a, b, c }) => wc.where(c, a, b), says('where', 'a', onOther, 'cond')),
    badInput('concat across devices', pair, ({ a, b }) => wc.concat([a, b]), says('concat', 'tensors[1]', onOther, 'tensors[0]')),
    badInput('gather across devices', () => ({ x: x23(), i: wc.tensor([0], [1], { dtype: 'int32', device: other() }) }), ({ x, i }) => wc.gather(x, i), says('gather', 'indices', onOther, 'x')),
    badInput('crossEntropy across devices', () => ({ l: x23(), y: wc.tensor([0, 1], [2], { dtype: 'int32', device: other() }) }), ({ l, y }) => wc.crossEntropy(l, y), says('crossEntropy', 'labels', onOther, 'logits')),
    badInput('conv2d across devices', () => ({ x: wc.ones([1, 1, 4, 4]), w: wc.ones([1, 1, 3, 3], { device: other() }) }), ({ x, w }) => wc.conv2d(x, w), says('conv2d', 'w', onOther, 'x')),
  ];
}

export function engineCases(other: () => Device): BadInputCase[] {
  return [
    // Wrong types from JavaScript callers.
    badInput('exp of a number', undefined, () => wc.exp(js(3)), says('exp', 'x', 'Tensor', 'number 3')),
    badInput('add with an array', x23, (t) => wc.add(t, js([1, 2, 3])), says('add', 'b', 'Tensor', 'an array')),
    badInput('matmul with null', x23, (t) => wc.matmul(t, js(null)), says('matmul', 'b', 'Tensor', 'null')),
    badInput('sum of undefined', undefined, () => wc.sum(js(undefined)), says('sum', 'x', 'Tensor', 'undefined')),
    badInput('relu of a plain object', undefined, () => wc.relu(js({ shape: [2] })), says('relu', 'x', 'Tensor', 'an object')),
    badInput('softmax of a string', undefined, () => wc.softmax(js('x')), says('softmax', 'x', 'Tensor', 'string')),
    badInput('clamp with a string bound', x23, (t) => wc.clamp(t, js('0'), 1), says('clamp', 'lo', 'number', 'string "0"')),
    badInput('zeros with a string shape', undefined, () => wc.zeros(js('3')), says('zeros', 'shape', 'list of non-negative integers', '"3"')),
    badInput('full with a string value', undefined, () => wc.full([2], js('1')), says('full', 'value', 'number', 'string "1"')),
    badInput('ones with an unknown option', undefined, () => wc.ones([2], js({ dtyp: 'int32' })), says('ones', 'dtyp', 'dtype')),
    badInput('ones with options null', undefined, () => wc.ones([2], js(null)), says('ones', 'options', 'object', 'null')),
    badInput('zeros with dtype float64', undefined, () => wc.zeros([2], js({ dtype: 'float64' })), says('zeros', 'options.dtype', "'float32'", 'string "float64"')),
    badInput('randn with an int32 dtype', undefined, () => wc.randn([2], js({ dtype: 'int32' })), says('randn', 'options.dtype', 'float32', 'int32')),
    badInput('cast to float64', x23, (t) => wc.cast(t, js('float64')), says('cast', 'dtype', 'float32', 'float64')),
    badInput('tidy of a non-function', undefined, () => wc.tidy(js(3)), says('tidy', 'fn', 'function', 'number 3')),
    badInput('noGrad of a non-function', undefined, () => wc.noGrad(js('x')), says('noGrad', 'fn', 'function', 'string')),
    badInput('manualSeed with a string', undefined, () => wc.manualSeed(js('7')), says('manualSeed', 'seed', 'integer', 'string "7"')),
    badInput('Generator with a fractional seed', undefined, () => new wc.Generator(1.5), says('Generator', 'seed', 'integer', '1.5')),
    badInput('backward with a number', () => wc.sum(wc.ones([2], { requiresGrad: true })), (l) => l.backward(js(3)), says('backward', 'gradient', 'number')),

    // Wrong shapes and ranks.
    badInput('add of shapes that do not broadcast', () => [x23(), wc.ones([4])], ([a, b]) => wc.add(a!, b!), says('add', '[2, 3]', '[4]', 'broadcast')),
    badInput('matmul with differing inner dimensions', x23, (t) => wc.matmul(t, t), says('matmul', 'inner dimensions', '[2, 3]')),
    badInput('matmul of a vector', () => [x23(), wc.ones([3])], ([a, b]) => wc.matmul(a!, b!), says('matmul', 'at least 2 dimensions', '[3]')),
    badInput('reshape to another size', x23, (t) => wc.reshape(t, [4]), says('reshape', '[2, 3]', '[4]')),
    badInput('reshape with two -1', x23, (t) => wc.reshape(t, [-1, -1]), says('reshape', 'at most one', '[-1, -1]')),
    badInput('sum over an axis out of range', x23, (t) => wc.sum(t, 2), says('sum', 'axis 2', 'rank 2')),
    badInput('mean over a fractional axis', x23, (t) => wc.mean(t, 0.5), says('mean', 'axis 0.5')),
    badInput('softmax over an axis out of range', x23, (t) => wc.softmax(t, -3), says('softmax', 'axis -3', 'rank 2')),
    badInput('transpose an axis out of range', x23, (t) => wc.transpose(t, 0, 2), says('transpose', 'axis 2', 'rank 2')),
    badInput('permute with too few dims', x23, (t) => wc.permute(t, [0]), says('permute', 'dims', '[0]')),
    badInput('concat of mismatched shapes', () => [x23(), wc.ones([2, 4])], (ts) => wc.concat(ts, 0), says('concat', 'tensors[1]', '[2, 4]', '[*, 3]')),
    badInput('concat of no tensor', undefined, () => wc.concat([]), says('concat', 'tensors', 'empty')),
    badInput('slice past the end', x23, (t) => wc.slice(t, 1, 2, 5), says('slice', '5', '3')),
    badInput('broadcastTo a smaller rank', () => wc.ones([3, 1]), (t) => wc.broadcastTo(t, [3]), says('broadcastTo', '[3, 1]', '[3]')),
    badInput('where with a cond that does not broadcast', () => [wc.ones([4]), x23()], ([c, t]) => wc.where(c!, t!, t!), says('where', '[4]', '[2, 3]')),
    badInput('crossEntropy of 1-D logits', () => ({ l: wc.ones([3]), y: ints([0]) }), ({ l, y }) => wc.crossEntropy(l, y), says('crossEntropy', 'logits', '[N, C]', '[3]')),
    badInput('crossEntropy with one label too many', () => ({ l: x23(), y: ints([0, 1, 2]) }), ({ l, y }) => wc.crossEntropy(l, y), says('crossEntropy', 'labels', '[2]', '[3]')),
    badInput('conv2d of 3-D input', () => ({ x: wc.ones([1, 4, 4]), w: wc.ones([1, 1, 3, 3]) }), ({ x, w }) => wc.conv2d(x, w), says('conv2d', 'x', '[1, 4, 4]')),
    badInput('conv2d with channels that differ', () => ({ x: wc.ones([1, 2, 4, 4]), w: wc.ones([1, 3, 3, 3]) }), ({ x, w }) => wc.conv2d(x, w), says('conv2d', '2', '3')),
    badInput('conv2d with a kernel larger than the image', () => ({ x: wc.ones([1, 1, 2, 2]), w: wc.ones([1, 1, 3, 3]) }), ({ x, w }) => wc.conv2d(x, w), says('conv2d', '[1, 1, 2, 2]')),
    badInput('maxPool2d with kernel 0', () => wc.ones([1, 1, 4, 4]), (x) => wc.maxPool2d(x, 0), says('maxPool2d', 'kernel', '0')),
    badInput('backward of a vector without a gradient', () => wc.mul(wc.ones([2], { requiresGrad: true }), 2), (y) => y.backward(), says('backward', 'gradient', '[2]')),
    badInput('backward with a gradient of the wrong shape', () => [wc.mul(wc.ones([2], { requiresGrad: true }), 2), wc.ones([3])], ([y, g]) => y!.backward(g!), says('backward', 'gradient', '[3]', '[2]')),
    badInput('item of a vector', x23, (t) => t.item(), says('item', '6 elements', '[2, 3]', 'expected 1')),
    badInput('tensor with too few values', undefined, () => wc.tensor([1, 2, 3], [2, 2]), says('tensor', '3 values', '[2, 2]', '4')),
    badInput('zeros with a negative dimension', undefined, () => wc.zeros([2, -1]), says('zeros', 'shape', '-1')),
    badInput('eye of a fractional size', undefined, () => wc.eye(2.5), says('eye', '2.5')),
    badInput('linalg.eigh of a non-square matrix', x23, (t) => wc.linalg.eigh(t), says('eigh', '[2, 3]')),
    badInput('linalg.svd of a vector', () => wc.ones([3]), (t) => wc.linalg.svd(t), says('svd', '[3]')),
    badInput('linalg.cov of a vector', () => wc.ones([3]), (t) => wc.linalg.cov(t), says('cov', '[3]')),

    // Wrong dtypes.
    badInput('exp of int32', () => ints([1, 2]), (i) => wc.exp(i), says('exp', 'x', 'float32', 'int32')),
    badInput('matmul of int32', () => [wc.tensor([1, 2], [1, 2], { dtype: 'int32' }), wc.ones([2, 1])], ([i, w]) => wc.matmul(i!, w!), says('matmul', 'a', 'float32', 'int32')),
    badInput('crossEntropy with float labels', () => ({ l: x23(), y: wc.zeros([2]) }), ({ l, y }) => wc.crossEntropy(l, y), says('crossEntropy', 'labels', 'int32', 'float32')),
    badInput('gather with float indices', () => [x23(), wc.zeros([1])], ([t, i]) => wc.gather(t!, i!), says('gather', 'indices', 'int32', 'float32')),
    badInput('requiresGrad on int32', () => ints([1]), (i) => i.requiresGrad_(), says('requiresGrad', 'float32', 'int32')),
    badInput('oneHot of float labels', () => wc.zeros([2]), (y) => wc.oneHot(y, 3), says('oneHot', 'labels', 'int32', 'float32')),
    badInput('tensor int32 with a fraction', undefined, () => wc.tensor([1.5], [1], { dtype: 'int32' }), says('tensor', 'int32', '1.5')),

    // Non-finite and out-of-range numbers.
    badInput('randn with a negative std', undefined, () => wc.randn([2], { std: -1 }), says('randn', 'options.std', '≥ 0', '-1')),
    badInput('randn with a NaN mean', undefined, () => wc.randn([2], { mean: NaN }), says('randn', 'options.mean', 'finite number', 'NaN')),
    badInput('rand with low above high', undefined, () => wc.rand([2], { low: 2, high: 1 }), says('rand', 'options.low', '2', '1')),
    badInput('rand with an infinite bound', undefined, () => wc.rand([2], { high: Infinity }), says('rand', 'options.high', 'finite', 'Infinity')),
    badInput('arange with step 0', undefined, () => wc.arange(0, 3, 0), says('arange', 'step', 'nonzero', '0')),
    badInput('clamp with lo above hi', x23, (t) => wc.clamp(t, 2, 1), says('clamp', 'lo', '2', '1')),
    badInput('clamp with a NaN bound', x23, (t) => wc.clamp(t, NaN, 1), says('clamp', 'lo', 'number', 'NaN')),
    badInput('oneHot with 0 classes', () => ints([0]), (y) => wc.oneHot(y, 0), says('oneHot', 'number of classes', 'positive integer', '0')),
    badInput('full int32 with a fraction', undefined, () => wc.full([2], 0.5, { dtype: 'int32' }), says('full', 'value', '0.5')),
    badInput('initDevice with negative threads', undefined, () => wc.initDevice({ softwareThreads: -1, makeCurrent: false }), says('initDevice', 'softwareThreads', 'non-negative integer', '-1')),
    badInput('initDevice with an unknown kernel mode', undefined, () => wc.initDevice({ kernels: js('fast'), makeCurrent: false }), says('initDevice', 'kernels', "'auto'", 'fast')),

    // Tensors used after dispose.
    badInput('exp of a disposed tensor', () => disposed(), (t) => wc.exp(t), says('exp', 'x', 'already disposed')),
    badInput('add with a disposed operand', () => ({ a: wc.ones([2]), b: disposed() }), ({ a, b }) => wc.add(a, b), says('add', 'b', 'already disposed')),
    badInput('matmul with a disposed operand', () => [disposed([2, 2]), wc.ones([2, 2])], ([a, b]) => wc.matmul(a!, b!), says('matmul', 'a', 'already disposed')),
    badInput('reshape of a disposed tensor', () => disposed([2, 2]), (t) => wc.reshape(t, [4]), says('reshape', 'x', 'already disposed')),
    badInput('sum of a disposed tensor', () => disposed(), (t) => wc.sum(t), says('sum', 'x', 'already disposed')),
    badInput('toArray of a disposed tensor', () => disposed(), (t) => t.toArray(), says('toArray', 'already disposed')),
    badInput('concat with a disposed tensor', () => ({ a: wc.ones([2]), b: disposed() }), ({ a, b }) => wc.concat([a, b]), says('concat', 'tensors[1]', 'already disposed')),
    badInput('backward of a disposed loss', () => { const a = wc.ones([1], { requiresGrad: true }); const l = wc.sum(wc.mul(a, 2)); l.dispose(); return { a, l }; }, ({ l }) => l.backward(), says('backward', 'disposed')),
    badInput('crossEntropy with disposed labels', () => ({ l: x23(), y: (() => { const y = ints([0, 1]); y.dispose(); return y; })() }), ({ l, y }) => wc.crossEntropy(l, y), says('crossEntropy', 'labels', 'already disposed')),

    ...crossDevice(other),
  ];
}
