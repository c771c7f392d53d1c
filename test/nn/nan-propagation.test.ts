/**
 * Divergence must be visible (issue #18, "never silently wrong"): one NaN weight in a
 * Linear → ReLU → Linear model gives a NaN loss, as in PyTorch, instead of a finite loss from a
 * dead unit (WGSL's max(NaN, 0) returned 0 on lavapipe, so relu hid it); a training step with
 * clipping by value (the CLI's default) keeps the NaN instead of turning it into −clip; and the
 * model's accuracy is 0, not the share of whichever class argmax picks for a NaN row.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { assign } from '../../nn/assign.js';
import { useDevice } from '../helpers/device.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

const { nn, cl } = wc;
const [N, D, H, C] = [16, 5, 7, 3];

/** Linear(D, H) → ReLU → Linear(H, C) with first-layer weight w[unit, 2] = NaN. */
async function modelWithNaN(unit: number): Promise<wc.nn.Sequential> {
  const model = new nn.Sequential(new nn.Linear(D, H, { generator: new wc.Generator(1) }), new nn.ReLU(), new nn.Linear(H, C, { generator: new wc.Generator(2) }));
  const first = model.parameters().find((p) => p.shape[0] === H && p.shape[1] === D)!;
  const w = Float32Array.from(await first.toArray());
  w[unit * D + 2] = NaN;
  assign(first, wc.tensor(w, [H, D]));
  return model;
}

describe('NaN propagation through a model', () => {
  useDevice();
  const data = () => ({
    x: wc.tensor(toF32(randomArray(N * D, 3)), [N, D]),
    y: wc.tensor(Int32Array.from({ length: N }, (_, i) => i % C), [N], { dtype: 'int32' }),
  });

  it('Linear → ReLU → Linear with one NaN weight gives a NaN loss, first, middle or last unit', async () => {
    const { x, y } = data();
    for (const unit of [0, H >> 1, H - 1]) {
      const model = await modelWithNaN(unit);
      const loss = nn.crossEntropy(model.forward(x), y);
      expect(await loss.item(), `NaN in unit ${unit}`).toBeNaN();
      loss.dispose();
      model.parameters().forEach((p) => p.dispose());
    }
  });

  it('a training step with clipGradValue keeps the NaN (no −clip gradients, no finite next loss)', async () => {
    const { x, y } = data();
    const model = await modelWithNaN(3);
    const opt = new nn.SGD(model.parameters(), { lr: 0.1 });
    wc.tidy(() => nn.crossEntropy(model.forward(x), y).backward());
    nn.clipGradValue(model.parameters(), 0.5);
    const grads = await Promise.all(model.parameters().map((p) => p.grad!.toArray()));
    expect(grads.some((g) => g.some(Number.isNaN)), 'some gradient is NaN after clipping').toBe(true);
    opt.step();
    const next = wc.tidy(() => nn.crossEntropy(model.forward(x), y));
    expect(await next.item()).toBeNaN();
    next.dispose();
    model.parameters().forEach((p) => p.dispose());
  });

  it('accuracy counts NaN rows as wrong, though argmax points at the first NaN (PyTorch)', async () => {
    // Rows: NaN at the label (argmax = label), NaN elsewhere, no NaN and right, no NaN and wrong.
    const logits = wc.tensor([NaN, 1, 2, 0, 5, NaN, 0, 9, 1, 7, 0, 1], [4, 3]);
    const labels = wc.tensor([0, 1, 1, 1], [4], { dtype: 'int32' });
    expect(Array.from(await wc.argmax(logits, -1).toArray())).toEqual([0, 2, 1, 0]);
    expect(await cl.accuracy(new nn.Flatten(), new nn.TensorDataset(logits, labels), { batchSize: 3 })).toBe(1 / 4);
    const { x, y } = data();
    const model = await modelWithNaN(0);
    expect(await cl.accuracy(model, new nn.TensorDataset(x, y))).toBe(0);
  });
});
