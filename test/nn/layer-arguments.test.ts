/**
 * Every layer's forward() checks its input first: a non-tensor is an error naming the layer's
 * forward, the argument, what was expected and what came, not a crash deep inside
 * ("Cannot read properties of undefined") and not a silent pass-through (Dropout in eval mode).
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';

const { nn } = wc;
const bad = (v: unknown) => v as wc.Tensor;

describe('layers: forward() names itself for bad input', () => {
  useDevice();

  it('a nested list, a number or undefined where a Tensor is expected', () => {
    const calc = new wc.ZeroPlasticity();
    const cases: [string, wc.nn.Module][] = [
      ['Linear', new nn.Linear(3, 2)],
      ['Conv2d', new nn.Conv2d(1, 2, 3)],
      ['ReLU', new nn.ReLU()],
      ['LeakyReLU', new nn.LeakyReLU()],
      ['Dropout', new nn.Dropout(0.5).eval()],
      ['Flatten', new nn.Flatten()],
      ['MaxPool2d', new nn.MaxPool2d(2)],
      ['AdaptiveMaxPool2d', new nn.AdaptiveMaxPool2d(1)],
      ['Sequential', new nn.Sequential(new nn.ReLU())],
      ['GradProjLinear', new wc.GradProjLinear(3, 2, calc)],
      ['GradProjConv2d', new wc.GradProjConv2d(1, 2, 3, calc)],
    ];
    for (const [name, layer] of cases) {
      expect(() => layer.forward(bad([[1, 2, 3]]))).toThrow(new TypeError(`${name}.forward: x must be a Tensor, got an array`));
      expect(() => layer.forward(bad(3))).toThrow(new TypeError(`${name}.forward: x must be a Tensor, got number 3`));
      expect(() => layer.forward(bad(undefined))).toThrow(new TypeError(`${name}.forward: x must be a Tensor, got undefined`));
      layer.dispose();
    }
    const heads = nn.MultiHead.linear(3, [2]);
    expect(() => heads.forward(bad([[1, 2, 3]]), 0)).toThrow(new TypeError('MultiHead.forward: x must be a Tensor, got an array'));
    expect(() => heads.forward(wc.zeros([1, 3]), '0' as unknown as number)).toThrow(new TypeError('MultiHead.forward: taskId must be an integer in [0, 1), got string "0"'));
    heads.dispose();
  });

  it('a tensor of the wrong shape still says which shape was expected', () => {
    const layer = new nn.Linear(4, 2);
    expect(() => layer.forward(wc.zeros([5, 3]))).toThrow(new RangeError('Linear.forward: x must be [N, 4] (or [..., N, 4]), got [5, 3]'));
    layer.dispose();
  });
});
