/**
 * GradProj layers' steps check their options first: a missing or mistyped lr is an error naming the
 * layer's step, the option, what was expected and what came, not "Cannot read properties of
 * undefined (reading 'lr')" and not a string coerced to a number.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';

const bad = <T>(v: unknown) => v as T;

describe('GradProj layers: step options', () => {
  useDevice();

  it('sgdStep, adamStep and rmsStep name the step, the option, expected and actual', async () => {
    const layer = new wc.GradProjLinear(3, 2, new wc.ZeroPlasticity());
    layer.weight.grad = wc.keep(wc.zerosLike(layer.weight));
    const before = Array.from(await layer.weight.toArray());
    expect(() => layer.sgdStep(bad(undefined))).toThrow(new TypeError('GradProjLinear.sgdStep: options.lr is required (a number > 0), got undefined'));
    expect(() => layer.sgdStep(bad({ lr: '0.1' }))).toThrow(new TypeError('GradProjLinear.sgdStep: options.lr must be a number > 0, got string "0.1"'));
    expect(() => layer.sgdStep({ lr: 0.1, momentum: 1 })).toThrow(new RangeError('GradProjLinear.sgdStep: options.momentum must be a number in [0, 1), got 1'));
    expect(() => layer.sgdStep(bad({ lr: 0.1, mom: 0.9 }))).toThrow(new TypeError("GradProjLinear.sgdStep: unknown option 'mom'; the options are lr, momentum"));
    expect(() => layer.adamStep(bad({}))).toThrow(new TypeError('GradProjLinear.adamStep: options.lr is required (a number > 0), got undefined'));
    expect(() => layer.rmsStep(bad(undefined))).toThrow(new TypeError('GradProjLinear.rmsStep: options.lr is required (a number > 0), got undefined'));
    expect(Array.from(await layer.weight.toArray())).toEqual(before); // nothing moved
    expect(layer.weight.grad).not.toBeNull(); // and the gradient is still there
    layer.dispose();
  });
});
