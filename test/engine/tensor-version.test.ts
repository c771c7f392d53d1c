/**
 * Tensor.version counts writes into an existing buffer (PyTorch's _version): the in-place writers
 * bump it, views share it, ops that make new tensors leave their inputs alone. The factored
 * gradient-projection step relies on it to notice a weight written from elsewhere.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { assign } from '../../nn/assign.js';
import { useDevice } from '../helpers/device.js';

describe('Tensor.version', () => {
  useDevice();

  it('is bumped by assign, gemmInto and optimizer steps, shared by views, untouched by reads', () => {
    const w = wc.tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
    const view = wc.reshape(w, [4]);
    expect(w.version).toBe(0);
    wc.tidy(() => { wc.add(w, 1); wc.matmul(w, w); });
    expect(w.version).toBe(0);
    assign(w, { data: new Float32Array([4, 3, 2, 1]), shape: [2, 2], dtype: 'float32' });
    expect(w.version).toBe(1);
    expect(view.version).toBe(1);
    const eye = wc.eye(2);
    wc.gemmInto(w, eye, eye, eye, 1, 0);
    expect(w.version).toBe(2);
    const opt = new wc.nn.SGD([w], { lr: 0.1 });
    wc.tidy(() => wc.sum(w).backward());
    opt.step();
    expect(w.version).toBe(3);
    [w, view, eye].forEach((t) => t.dispose());
    opt.dispose();
  });
});
