/**
 * nn.functional: layers as functions of weight tensors. linear and conv2d give the module's forward bit for
 * bit with the module's weights passed in, and finite-difference gradients reach x, the weights and the bias
 * (so a network that produced the weights trains); bad weight shapes are errors naming the argument.
 * Mutations tried (each fails a test): the bias dropped; the weight used untransposed (x·W); the bias shape
 * left unchecked.
 */
import { describe, expect, it } from 'vitest';
import { nn, tensor, tidy, Generator } from '../../index.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { randomArray } from '../helpers/numeric.js';

const F = nn.functional;

describe('nn.functional', () => {
  useDevice();

  it('linear(x, W, b) equals nn.Linear.forward bit for bit, and gradients reach x, W and b', async () => {
    const layer = new nn.Linear(5, 3, { generator: new Generator(1) });
    const x = tensor(randomArray(4 * 5, 2), [4, 5]);
    const [module, functional] = await Promise.all(tidy(() => [layer.forward(x), F.linear(x, layer.weight, layer.bias)]).map((t) => t.toArray()));
    expect(Array.from(functional)).toEqual(Array.from(module));
    await checkGrad((xx, w, b) => F.linear(xx, w, b), [
      { data: randomArray(4 * 5, 3), shape: [4, 5] }, { data: randomArray(15, 4), shape: [3, 5] }, { data: randomArray(3, 5), shape: [3] },
    ]);
    layer.dispose();
    x.dispose();
  });

  it('conv2d(x, W, { bias }) equals nn.Conv2d.forward bit for bit, and gradients reach the weights', async () => {
    const layer = new nn.Conv2d(2, 3, 3, { padding: 1, generator: new Generator(2) });
    const x = tensor(randomArray(2 * 2 * 5 * 5, 6), [2, 2, 5, 5]);
    const [module, functional] = await Promise.all(tidy(() => [layer.forward(x), F.conv2d(x, layer.weight, { padding: 1, bias: layer.bias! })]).map((t) => t.toArray()));
    expect(Array.from(functional)).toEqual(Array.from(module));
    await checkGrad((xx, w, b) => F.conv2d(xx, w, { padding: 1, bias: b }), [
      { data: randomArray(2 * 5 * 5, 7), shape: [1, 2, 5, 5] }, { data: randomArray(3 * 2 * 9, 8), shape: [3, 2, 3, 3] }, { data: randomArray(3, 9), shape: [3] },
    ]);
    layer.dispose();
    x.dispose();
  });

  it('rejects weights and biases of the wrong shape, naming the argument', () => {
    tidy(() => {
      const x = tensor(randomArray(8, 1), [2, 4]);
      expect(() => F.linear(x, tensor(randomArray(15, 2), [3, 5]))).toThrow(/linear: x must be \[N, 5\].*got \[2, 4\]/);
      expect(() => F.linear(x, tensor(randomArray(12, 2), [12]))).toThrow(/linear: weight must be \[out, in\]/);
      expect(() => F.linear(x, tensor(randomArray(12, 2), [3, 4]), tensor(randomArray(4, 3), [4]))).toThrow(/linear: bias must be \[3\]/);
    });
  });
});
