/** LR schedulers: sequences worked out from PyTorch's definitions (torch/optim/lr_scheduler.py). */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';

const { nn } = wc;

describe('LR schedulers', () => {
  useDevice();
  const withOptimizer = (fn: (opt: wc.nn.SGD) => void) => {
    const p = wc.zeros([1], { requiresGrad: true });
    fn(new nn.SGD([p], { lr: 1 }));
    p.dispose();
  };
  /** lr after construction, then after each of `n` steps. */
  const trace = (opt: wc.nn.Optimizer, n: number, step: (e: number) => void) => [opt.lr, ...Array.from({ length: n }, (_, e) => { step(e); return opt.lr; })];

  it('StepLR multiplies by gamma every stepSize epochs', () => withOptimizer((opt) => {
    const s = new nn.StepLR(opt, 2, 0.5);
    expect(trace(opt, 5, () => s.step())).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
    expect(() => new nn.StepLR(opt, 0)).toThrow('StepLR: stepSize must be a positive integer, got 0');
  }));

  it('LambdaLR sets baseLr·lambda(epoch), from epoch 0 at construction', () => withOptimizer((opt) => {
    const s = new nn.LambdaLR(opt, (e) => 1 / (e + 2));
    expect(trace(opt, 3, () => s.step())).toEqual([1 / 2, 1 / 3, 1 / 4, 1 / 5]);
    // Resuming from a checkpoint continues the sequence.
    const saved = JSON.parse(JSON.stringify(s.state()));
    opt.lr = 1;
    const t = new nn.LambdaLR(opt, (e) => 1 / (e + 2));
    t.loadState(saved);
    t.step();
    expect(opt.lr).toBe(1 / 6);
  }));

  it('ReduceLROnPlateau: patience, relative threshold, cooldown, minLr, max mode', () => {
    withOptimizer((opt) => {
      // patience 2: the third epoch without improvement reduces; 8 improves on 9 and resets the count.
      const s = new nn.ReduceLROnPlateau(opt, { patience: 2, factor: 0.5 });
      const metrics = [10, 9, 9, 9, 9, 8, 8, 8, 8];
      expect(trace(opt, metrics.length, (e) => s.step(metrics[e]!)).slice(1)).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]);
    });
    withOptimizer((opt) => {
      // A change below threshold·best (rel) is no improvement: 1 − 1e-5 does not beat 1 with threshold 1e-4.
      const s = new nn.ReduceLROnPlateau(opt, { patience: 0, factor: 0.1 });
      s.step(1);
      s.step(1 - 1e-5);
      expect(opt.lr).toBeCloseTo(0.1, 15);
    });
    withOptimizer((opt) => {
      // patience 1, cooldown 2: counting pauses for two epochs after each reduction; minLr floors it.
      const s = new nn.ReduceLROnPlateau(opt, { patience: 1, cooldown: 2, factor: 0.5, minLr: 0.3 });
      expect(trace(opt, 8, () => s.step(5)).slice(1)).toEqual([1, 1, 0.5, 0.5, 0.5, 0.5, 0.3, 0.3]);
      // Checkpoint round trip through JSON (best is finite here).
      const saved = JSON.parse(JSON.stringify(s.state()));
      const t = new nn.ReduceLROnPlateau(opt, { patience: 1, cooldown: 2, factor: 0.5, minLr: 0.3 });
      t.loadState(saved);
      expect(t.state()).toEqual(s.state());
    });
    withOptimizer((opt) => {
      // max mode with an absolute threshold 0.1: 1.05 is not above 1 + 0.1; 1.2 is.
      const s = new nn.ReduceLROnPlateau(opt, { mode: 'max', threshold: 0.1, thresholdMode: 'abs', patience: 0, factor: 0.5 });
      expect(trace(opt, 3, (e) => s.step([1, 1.05, 1.2][e]!)).slice(1)).toEqual([1, 0.5, 0.5]);
      expect(JSON.parse(JSON.stringify(new nn.ReduceLROnPlateau(opt).state())).best).toBeNull();
      expect(() => new nn.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(new RangeError('ReduceLROnPlateau: options.factor must be a number in [0, 1), got 1'));
      expect(() => s.step(NaN)).toThrow('ReduceLROnPlateau.step: metric must be a number, got NaN');
    });
  });

  it('bad arguments name the scheduler, the argument, what was expected and what came', () => withOptimizer((opt) => {
    const bad = <T>(v: unknown) => v as T;
    expect(() => new nn.StepLR(bad(undefined), 2)).toThrow(new TypeError('StepLR: optimizer must be an Optimizer (such as nn.SGD), got undefined'));
    expect(() => new nn.StepLR(opt, bad('2'))).toThrow(new TypeError('StepLR: stepSize must be a positive integer, got string "2"'));
    expect(() => new nn.StepLR(opt, 2, bad('0.5'))).toThrow(new TypeError('StepLR: gamma must be a number ≥ 0, got string "0.5"'));
    expect(() => new nn.LambdaLR(bad({ lr: 1 }), () => 1)).toThrow(new TypeError('LambdaLR: optimizer must be an Optimizer (such as nn.SGD), got an object'));
    const s = new nn.LambdaLR(opt, (e) => (e < 1 ? 1 : bad<number>('x')));
    expect(() => s.step()).toThrow(new TypeError('LambdaLR: lrLambda(1) must return a number ≥ 0, got string "x"'));
    expect(opt.lr).toBe(1);
    expect(() => new nn.ReduceLROnPlateau(opt, bad({ patience: '2' }))).toThrow(new TypeError('ReduceLROnPlateau: options.patience must be a non-negative integer, got string "2"'));
    expect(() => new nn.ReduceLROnPlateau(opt, bad({ min_lr: 0.1 }))).toThrow(new TypeError("ReduceLROnPlateau: unknown option 'min_lr'; the options are mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps"));
    expect(() => new nn.ReduceLROnPlateau(opt, { minLr: -1 })).toThrow(new RangeError('ReduceLROnPlateau: options.minLr must be a number ≥ 0, got -1'));
    expect(() => new nn.ReduceLROnPlateau(opt, { threshold: NaN })).toThrow(new RangeError('ReduceLROnPlateau: options.threshold must be a number ≥ 0, got NaN'));
  }));
});
