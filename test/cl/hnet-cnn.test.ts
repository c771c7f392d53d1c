/**
 * cl.hnet.MainCNN: the functional CNN run on given weights equals its module twin (module()) holding the same
 * weights; gradients of f(x; h(e, θ)) reach θ and the embedding through the convolutions and pools (finite
 * differences); its shapes and head owners; option errors; `--model cnn` builds it for the hnet method.
 * Mutations that fail a test: the dense part given the conv weights (offset not skipped); the spatial size
 * after a block computed without the pool's halving; head 0's weights run for task 1.
 */
import { describe, expect, it } from 'vitest';
import { cl, keep, tensor, tidy, Generator, type Tensor } from '../../index.js';
import { assign } from '../../nn/assign.js';
import { selectHead } from '../../cl/strategy/heads.js';
import { useDevice } from '../helpers/device.js';
import { checkGrad } from '../helpers/gradcheck.js';
import { expectClose, randomArray } from '../helpers/numeric.js';

const { MainCNN, HMLP } = cl.hnet;
const read = async (t: Tensor) => Array.from(await t.data());

describe('cl.hnet.MainCNN', () => {
  useDevice();

  it('shapes: each conv [Cout, Cin, k, k] and bias, then the dense part with one head per task', () => {
    const cnn = new MainCNN({ inputShape: [1, 12, 12], channels: [2, 3], kernel: 3, hidden: [4], outputs: 2, heads: 2 });
    // 12 → conv 3 → 10 → pool → 5 → conv 3 → 3 → pool → 1: flat 3·1·1
    expect(cnn.shapes).toEqual([[2, 1, 3, 3], [2], [3, 2, 3, 3], [3], [4, 3], [4], [2, 4], [2], [2, 4], [2]]);
    expect(cnn.headOf).toEqual([-1, -1, -1, -1, -1, -1, 0, 0, 1, 1]);
    expect(() => new MainCNN({ inputShape: [1, 6, 6], channels: [2, 2], kernel: 3, hidden: [], outputs: 2 })).toThrow(/MainCNN: an input of \[1, 6, 6\] is too small/);
    expect(() => new MainCNN({ inputShape: [28, 28], channels: [2], hidden: [], outputs: 2 })).toThrow(/MainCNN: options.inputShape must be \[channels, height, width\]/);
    expect(() => new MainCNN({ inputShape: [1, 28, 28], channels: [], hidden: [], outputs: 2 })).toThrow(/MainCNN: options.channels/);
  });

  it('forward(x, weights, t) equals module() holding the same weights, for both heads', async () => {
    const cnn = new MainCNN({ inputShape: [2, 9, 9], channels: [3], kernel: 3, hidden: [5], outputs: 2, heads: 2 });
    const net = cnn.module();
    const weights = cnn.shapes.map((s, k) => keep(tensor(randomArray(s.reduce((a, b) => a * b, 1), 30 + k), s)));
    net.parameters().forEach((p, k) => assign(p, weights[k]!));
    const x = tensor(randomArray(3 * 2 * 81, 5), [3, 2, 9, 9]);
    for (const t of [0, 1]) {
      selectHead(net, t);
      const [a, b] = tidy(() => [keep(net.forward(x)), keep(cnn.forward(x, weights, t))]);
      expectClose(await read(b!), await read(a!), { rtol: 1e-6, atol: 1e-6 }, `head ${t}`);
      a!.dispose(); b!.dispose();
    }
    expect(() => tidy(() => cnn.forward(tensor(randomArray(81, 1), [1, 1, 9, 9]), weights, 0))).toThrow(/MainCNN.forward: x must be \[N, 2, 9, 9\]/);
    expect(() => tidy(() => cnn.forward(x, weights.slice(1), 0))).toThrow(/MainCNN.forward: expected 8 weight tensors/);
    weights.forEach((w) => w.dispose()); x.dispose(); net.dispose();
  });

  it('gradients of f(x; h(e, θ)) reach the embedding and every part of θ through conv, pool and ReLU', async () => {
    const cnn = new MainCNN({ inputShape: [1, 6, 6], channels: [2], kernel: 3, hidden: [], outputs: 2, heads: 2 });
    const hnet = new HMLP({ targetShapes: cnn.shapes, tasks: 1, embeddingSize: 3, hidden: [4], generator: new Generator(4) });
    const theta = await Promise.all(hnet.theta().map(async (p) => ({ data: await p.data(), shape: [...p.shape] })));
    const x = { data: randomArray(2 * 36, 6), shape: [2, 1, 6, 6] };
    const e = { data: randomArray(3, 7), shape: [1, 3] };
    await checkGrad((xx, ee, ...th) => cnn.forward(xx, hnet.split(hnet.generate(ee, th)), 1), [x, e, ...theta], { eps: 1e-3, rtol: 1e-2 });
    hnet.dispose();
  });

  it('the hnet method builds a MainCNN for --model cnn on split MNIST', async () => {
    const r = await cl.runExperiment({ scenario: 'split-mnist', method: 'hnet', model: 'cnn', seed: 0, epochs: 1, scenarioOptions: { 'train-per-class': 6, 'test-per-class': 10 }, methodOptions: { hidden: [8], main: [16], chunk: 1000, embedding: 4 } });
    expect(r.config.model).toBe('cnn');
    expect(r.accuracyMatrix.length).toBe(5);
  });
});
