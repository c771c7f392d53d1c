/** Bad input to saving and loading: state files, module and optimizer states, checkpoints, generators. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wc from '../../../index.js';
import { badInput, js, says, type BadInputCase } from './case.js';

const { nn, cl } = wc;
const folder = mkdtempSync(join(tmpdir(), 'webgpu-cl-bad-input-'));
const missing = join(folder, 'missing', 'state.bin');
const garbage = () => new TextEncoder().encode('not a state file at all').buffer as ArrayBuffer;
const host = (shape: number[], values: number) => ({ shape, dtype: 'float32' as const, data: new Float32Array(values) });
const sgd = () => { const p = wc.ones([2], { requiresGrad: true }); return { p, opt: new nn.SGD([p], { lr: 0.1 }) }; };

export function ioCases(): BadInputCase[] {
  return [
    badInput('io.load of a missing file', undefined, () => nn.io.load(missing), says('load', missing, 'no such file')),
    badInput('io.save into a missing folder', () => wc.ones([2]), (t) => nn.io.save(missing, { t }), says('save', missing, 'no such file')),
    badInput('io.save of a disposed tensor', () => { const t = wc.ones([2]); t.dispose(); return t; }, (t) => nn.io.save(join(folder, 'x.bin'), { t }), says('toArray', 'already disposed')),
    badInput('io.encodeHost of too few values', undefined, () => nn.io.encodeHost({ w: host([2, 2], 3) }), says('encode', "'w'", '3 values', '[2, 2]')),
    badInput('io.decode of foreign bytes', undefined, () => nn.io.decode(garbage()), says('decode', 'magic', 'WGPUCLSD')),
    badInput('io.decode of a truncated file', undefined, () => nn.io.decode(nn.io.encodeHost({ w: host([2], 2) }).slice(0, 20)), says('decode', 'truncated', 'the buffer has 20')),
    badInput('io.decode of a string', undefined, () => nn.io.decode(js('WGPUCLSD')), says('decode', 'buffer', 'ArrayBuffer', 'string "WGPUCLSD"')),
    badInput('loadStateDict with a dtype mismatch', () => new nn.Linear(2, 1), (m) => m.loadStateDict({ weight: { shape: [1, 2], dtype: 'int32', data: new Int32Array(2) }, bias: host([1], 1) }), says('loadStateDict', "'weight'", 'int32', 'float32')),
    badInput('optimizer loadState of another optimizer', sgd, ({ opt }) => opt.loadState({ tensors: {}, record: js({ type: 'Adam' }) }), says('SGD.loadState', 'Adam', 'SGD')),
    badInput('Generator.setState of two words', undefined, () => new wc.Generator(1).setState([1, 2]), says('Generator.setState', '4 words', '2')),
    badInput('Strategy.load of a missing checkpoint', () => new nn.Linear(3, 2), (model) => cl.Strategy.load(missing, { model, optimizer: (p) => new nn.SGD(p, { lr: 0.1 }) }), says('Strategy.load', missing, 'no such file')),
    badInput('Strategy.load of foreign bytes', () => new nn.Linear(3, 2), (model) => cl.Strategy.load(garbage(), { model, optimizer: (p) => new nn.SGD(p, { lr: 0.1 }) }), says('Strategy.load', 'not a webgpu-cl state file', 'magic')),
    badInput('EWC.loadState of another mode', undefined, () => new cl.EWC({ lambda: 1 }).loadState(js({ tensors: {}, record: { mode: 'online' } })), says('ewc.loadState', '"online"', "'separate'")),
  ];
}
