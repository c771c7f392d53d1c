/** Training does not leak: 200 steps of an MLP with SGD(momentum) inside tidy keep GPU memory flat. */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

const { nn } = wc;

describe('memory over a training loop', () => {
  const device = useDevice();

  it('200 SGD(momentum) steps keep bytesInUse and liveTensors flat, and the loss falls', async () => {
    const model = new nn.Sequential(new nn.Linear(20, 16), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(16, 4));
    const opt = new nn.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const x = wc.tensor(toF32(randomArray(32 * 20, 1)), [32, 20]);
    const labels = wc.tensor(Array.from({ length: 32 }, (_, i) => i % 4), [32], { dtype: 'int32' });
    const step = () => {
      opt.zeroGrad();
      const loss = wc.tidy(() => {
        const l = nn.crossEntropy(model.forward(x), labels);
        l.backward();
        return l;
      });
      opt.step();
      return loss;
    };
    const first = step();
    const initialLoss = await first.item();
    first.dispose();
    step().dispose(); // the optimizer's state exists from here on
    device().flush();
    const before = device().stats();
    let last: wc.Tensor | null = null;
    for (let i = 0; i < 200; i++) {
      last?.dispose();
      last = step();
    }
    const finalLoss = await last!.item();
    last!.dispose();
    device().flush();
    const after = device().stats();
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(finalLoss).toBeLessThan(0.5 * initialLoss);
    opt.dispose();
    model.dispose();
    x.dispose();
    labels.dispose();
  });
});
