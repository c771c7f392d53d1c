/**
 * cl.hnet's Fishers: the main-network Fisher of ewcWeighting (the generated weights of one task) and the θ
 * Fisher of ThetaEWC (through the hypernetwork), each against a float64 reference on a linear hypernetwork
 * and a linear main network with the Gaussian likelihood; ThetaEWC on the regression toy keeps task 0's
 * test MSE where λ = 0 lets it rise; both options run end to end through the `hnet` method.
 * Mutations tried (each fails a test): the main Fisher over every head (head 0 not zero); the θ Fisher
 * without the square (the mean gradient); its 1/N dropped; the .grad the model had not put back.
 */
import { describe, expect, it } from 'vitest';
import { cl, keep, nn, reshape, tensor, tidy, Generator, type Tensor } from '../../index.js';
import { TensorDataset } from '../../nn/data/loader.js';
import { mainFisher } from '../../cl/hnet/main-fisher.js';
import { meanSquaredError } from '../../cl/eval/regression.js';
import { mse } from '../../nn/losses/mse.js';
import { thetaFisher } from '../../cl/hnet/theta-fisher.js';
import { useDevice } from '../helpers/device.js';
import { expectResumeMatches } from '../helpers/resume.js';
import { expectClose, randomArray } from '../helpers/numeric.js';

const { MainMLP, HnetModel, ThetaEWC } = cl.hnet;
const read = async (t: Tensor) => Array.from(await t.data());
const std = 0.5;
const likelihood = { gaussian: { std } };

/** N samples of x [N, D] and y [N] (float32 regression targets). */
function data(N: number, D: number, seed: number): { set: TensorDataset; x: number[]; y: number[] } {
  const x = Array.from(randomArray(N * D, seed)), y = Array.from(randomArray(N, seed + 1));
  return { set: new TensorDataset(tensor(x, [N, D]), tensor(y, [N])), x, y };
}

describe('cl.hnet Fishers', () => {
  useDevice();

  it('mainFisher: the empirical Fisher of the weights generated for task 1, (1/N) Σ ((y − f)/σ² · [x, 1])², zero on head 0', async () => {
    const model = new HnetModel(new MainMLP([3, 1], { heads: 2 }), { tasks: 2, embeddingSize: 4, hidden: [], generator: new Generator(1) });
    const W = await Promise.all(tidy(() => model.hnet.weightsOf(1).map((w) => keep(w))).map(async (w) => { const v = await read(w); w.dispose(); return v; }));
    const [w, b] = [W[2]!, W[3]!]; // head 1: W [1, 3], b [1]; P = 8, head 1 at 4 … 7
    const N = 5, { set, x, y } = data(N, 3, 7);
    const F = await mainFisher(model, 1, set, { likelihood, seed: 0 });
    const want = new Array(8).fill(0);
    for (let n = 0; n < N; n++) {
      const r = (y[n]! - b[0]! - [0, 1, 2].reduce((a, j) => a + w[j]! * x[n * 3 + j]!, 0)) / (std * std);
      for (let j = 0; j < 3; j++) want[4 + j] += (r * x[n * 3 + j]!) ** 2 / N;
      want[7] += r * r / N;
    }
    expectClose(await read(F), want, { rtol: 1e-4, atol: 1e-6 }, 'F');
    F.dispose(); set.dispose(); model.dispose();
  });

  it('thetaFisher: (1/N) Σ_n g_n² of θ = [W, b] of a linear hypernetwork through the main network; the model keeps its .grad', async () => {
    const E = 3;
    const model = new HnetModel(new MainMLP([1, 1]), { tasks: 1, embeddingSize: E, hidden: [], generator: new Generator(2) });
    const [Wh, bh] = model.hnet.theta() as [Tensor, Tensor];
    const Wv = await read(Wh), bv = await read(bh), e = await read(model.hnet.embeddings[0]!);
    const grad = keep(tensor(randomArray(2 * E, 9), [2, E]));
    Wh.grad = grad;
    const N = 6, { set, x, y } = data(N, 1, 11);
    const F = thetaFisher(model, 0, set, { likelihood, seed: 0 });
    expect(Wh.grad).toBe(grad);
    // [w, b] = W e + b_h; f = w x + b; g_W[k, j] = r u_k e_j, g_b[k] = r u_k with u = [x, 1], r = (y − f)/σ²
    const wb = [0, 1].map((k) => bv[k]! + [0, 1, 2].reduce((a, j) => a + Wv[k * E + j]! * e[j]!, 0));
    const wantW = new Array(2 * E).fill(0), wantb = [0, 0];
    for (let n = 0; n < N; n++) {
      const u = [x[n]!, 1];
      const r = (y[n]! - (wb[0]! * x[n]! + wb[1]!)) / (std * std);
      for (let k = 0; k < 2; k++) {
        for (let j = 0; j < E; j++) wantW[k * E + j] += (r * u[k]! * e[j]!) ** 2 / N;
        wantb[k] += (r * u[k]!) ** 2 / N;
      }
    }
    const [dW, db] = (F as cl.fisher.DiagFisher).diagonal;
    expectClose(await read(dW!), wantW, { rtol: 1e-4, atol: 1e-6 }, 'F of W');
    expectClose(await read(db!), wantb, { rtol: 1e-4, atol: 1e-6 }, 'F of b');
    F.dispose(); set.dispose(); model.dispose();
  });

  it('ThetaEWC on the regression toy: with λ = 1 the test MSE of task 0 stays within 15 % of its value after task 0 (λ = 0: it at least doubles)', async () => {
    const scenario = await cl.methods.method('hnet').scenario!(cl.scenarios.polynomialRegression({ trainPerTask: 32, testPerTask: 4 }));
    const rise: number[] = [];
    for (const lambda of [0, 1]) {
      const model = new HnetModel(new MainMLP([1, 10, 1]), { tasks: 3, embeddingSize: 4, hidden: [10], generator: new Generator(3) });
      const ewc = new ThetaEWC({ lambda, likelihood: { gaussian: { std: 0.05 } } });
      // Adam at hypnettorch's lr 0.001: at 0.01 its steps (≈ lr per coordinate) jitter θ around θ* by more than the penalty can hold
      const s = new cl.Strategy({ model, optimizer: (p) => new nn.Adam(p, { lr: 0.001 }), plugins: [ewc], epochs: 20, batchSize: 8, seed: 1, loss: (out, y) => mse(reshape(out, [-1]), y), score: meanSquaredError });
      const { accuracyMatrix: m } = await s.run(scenario);
      expect(ewc.consolidated.length).toBe(3);
      rise.push(m[2]![0]! / m[0]![0]!);
      s.dispose(); model.dispose();
    }
    // measured: 3.2× (λ = 0) and 1.04× (λ = 1; λ = 100 the same)
    expect(rise[0]).toBeGreaterThan(2);
    expect(rise[1]).toBeLessThan(1.15);
    scenario.dispose();
  });

  it('ThetaEWC: a run stopped after task 2 of 3 and resumed from its checkpoint ends with the same matrix and state, bit for bit', { timeout: 120_000 }, async () => {
    const scenario = await cl.methods.method('hnet').scenario!(cl.scenarios.polynomialRegression({ trainPerTask: 16, testPerTask: 4 }));
    await expectResumeMatches({
      scenario,
      make: () => ({
        model: new HnetModel(new MainMLP([1, 8, 1]), { tasks: 3, embeddingSize: 4, hidden: [8], generator: new Generator(4) }),
        plugins: [new ThetaEWC({ lambda: 1, likelihood: { gaussian: { std: 0.05 } } })],
      }),
      optimizer: (p) => new nn.Adam(p, { lr: 0.001 }),
      options: { epochs: 2, batchSize: 8, seed: 2, loss: (out, y) => mse(reshape(out, [-1]), y), score: meanSquaredError },
    });
    scenario.dispose();
  });

  it.each([['hnet-reg', 'ewc'], ['ewc-weighting', true]])('the hnet method on the regression toy with --%s %s', async (option, value) => {
    const methodOptions = { hidden: [8], main: [8], chunk: 0, embedding: 4, 'fisher-samples': 8, [option]: value };
    const r = await cl.runExperiment({ scenario: 'regression', method: 'hnet', seed: 0, epochs: 2, scenarioOptions: { 'train-per-task': 8 }, methodOptions });
    expect(r.accuracyMatrix.length).toBe(3);
    expect(r.config.methodOptions).toMatchObject({ [option]: value });
    await expect(cl.runExperiment({ scenario: 'regression', method: 'hnet', seed: 0, epochs: 1, scenarioOptions: { 'train-per-task': 8 }, methodOptions: { ...methodOptions, 'hnet-reg': 'ewc', 'ewc-weighting': true } })).rejects.toThrow(/--ewc-weighting weights the output regulariser/);
  });
});
