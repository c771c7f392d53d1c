/**
 * Training-step throughput of the recipe's MLP (784-100-100-10, ReLU, softmax cross-entropy, SGD
 * lr 0.01 momentum 0.9) at batch 64 and batch 8: webgpu-cl against TF.js's WebGPU backend (4.22)
 * on the same Dawn adapter, in the same process.
 *
 *   npx tsx bench/mlp-step.ts [--backend vulkan|opengles] [--steps 100] [--rounds 3]
 *
 * Both sides train on one resident batch of real MNIST images (uploaded once), so a step is forward,
 * backward and update and nothing else. A third line times our step fed by the DataLoader (index
 * upload + gather per batch), the way bench/train-mnist.ts trains. Method: 20 warm-up steps (pipeline
 * compiles, pooled buffers), then `steps` steps and one wait for the GPU (our device.sync(); for
 * TF.js a submit of its open encoder and queue.onSubmittedWorkDone()); the sides alternate for
 * `rounds` rounds and each keeps its best, so a burst of load from other processes does not decide
 * the ratio. Prints steps/s and samples/s. TF.js is installed by bench/package.json
 * (npm --prefix bench ci).
 */
import { Generator, getDevice, initDevice, tensor, tidy } from '../engine/index.js';
import { datasets, DataLoader, toDevice, type Batch } from '../nn/data/index.js';
import { ReLU } from '../nn/layers/activation.js';
import { Sequential } from '../nn/layers/container.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { crossEntropy } from '../nn/losses/cross-entropy.js';
import { SGD } from '../nn/optim/sgd.js';

interface Side {
  name: string;
  /** Encodes one training step. */
  step(): void;
  /** Resolves when the GPU has finished every step so far. */
  sync(): Promise<void>;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

const WARMUP = 20;

/** Seconds for `steps` steps after warming up. */
async function time(side: Side, steps: number): Promise<number> {
  for (let i = 0; i < WARMUP; i++) side.step();
  await side.sync();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) side.step();
  await side.sync();
  return (performance.now() - t0) / 1000;
}

/** Ours, training on the batches `next` returns (x [B, 1, 28, 28], y [B]). */
function ours(name: string, next: () => Batch, seed: number): Side & { dispose(): void } {
  const g = new Generator(seed);
  const net = new Sequential(new Flatten(), new Linear(784, 100, { generator: g }), new ReLU(), new Linear(100, 100, { generator: g }), new ReLU(), new Linear(100, 10, { generator: g }));
  const opt = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  return {
    name,
    step: () => {
      const { x, y } = next();
      tidy(() => { opt.zeroGrad(); crossEntropy(net.forward(x), y).backward(); opt.step(); });
    },
    sync: () => getDevice().sync(),
    dispose: () => { opt.zeroGrad(); opt.dispose(); net.dispose(); },
  };
}

// TF.js is untyped here: it lives in bench/package.json, outside the root's type roots.
/* eslint-disable @typescript-eslint/no-explicit-any */
function theirs(tf: any, sync: () => Promise<void>, images: Float32Array, labels: Int32Array, B: number): Side & { dispose(): void } {
  const x = tf.tensor2d(images, [B, 784]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  // PyTorch's default init: U(−1/√fan_in, 1/√fan_in) for weights and biases.
  const layer = (i: number, o: number) => [tf.variable(tf.randomUniform([i, o], -1 / Math.sqrt(i), 1 / Math.sqrt(i))), tf.variable(tf.randomUniform([o], -1 / Math.sqrt(i), 1 / Math.sqrt(i)))];
  const [w1, b1] = layer(784, 100), [w2, b2] = layer(100, 100), [w3, b3] = layer(100, 10);
  const opt = tf.train.momentum(0.01, 0.9);
  const forward = () => tf.relu(tf.relu(x.matMul(w1).add(b1)).matMul(w2).add(b2)).matMul(w3).add(b3);
  return {
    name: 'TF.js WebGPU',
    step: () => tf.tidy(() => { opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward())); }),
    sync,
    dispose: () => { opt.dispose(); for (const t of [x, y, w1, b1, w2, b2, w3, b3]) t.dispose(); },
  };
}

async function main(): Promise<void> {
  const backend = arg('backend', '');
  const steps = Number(arg('steps', '100'));
  const rounds = Number(arg('rounds', '3'));
  const device = await initDevice(backend ? { backend: backend as 'vulkan' } : {});
  const { tfjsOnDawn } = (await import('./tfjs-dawn.mjs' as string)) as { tfjsOnDawn(b: string): Promise<{ tf: any; sync(): Promise<void>; keepAlive: unknown }> };
  const peer = await tfjsOnDawn(device.backend);
  console.log(`adapter: ${device.adapterInfo.description || device.adapterInfo.architecture} (${device.backend}), ${steps} steps per sample, best of ${rounds} rounds`);
  const { train } = await datasets.mnist();
  const resident = toDevice(train);
  const rows: string[] = [];
  for (const B of [64, 8]) {
    const images = train.images.subarray(0, B * 784);
    const labels = train.labels.subarray(0, B);
    const x = tensor(images, [B, 1, 28, 28]);
    const y = tensor(labels, [B], { dtype: 'int32' });
    const a = ours('webgpu-cl', () => ({ x, y }), 0);
    const b = theirs(peer.tf, peer.sync, images, labels, B);
    // Ours fed by the loader: a new shuffled batch gathered on the GPU every step, epoch after epoch.
    const loader = new DataLoader(resident, { batchSize: B, shuffle: true, seed: 0, dropLast: true });
    const batches: Iterator<Batch> = (function* endless() { for (;;) yield* loader; })();
    const fed = ours('webgpu-cl + DataLoader', () => batches.next().value as Batch, 0);
    const best = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [a, b, fed] : [b, a, fed];
      for (const side of order) {
        const s = await time(side, steps);
        best.set(side.name, Math.min(best.get(side.name) ?? Infinity, s));
      }
    }
    for (const [name, s] of best) {
      rows.push(`| ${B} | ${name} | ${(steps / s).toFixed(1)} | ${((steps * B) / s).toFixed(0)} | ${((1000 * s) / steps).toFixed(2)} |`);
    }
    const ratio = best.get(b.name)! / best.get(a.name)!;
    rows.push(`| ${B} | ours / TF.js (steps/s) | ${ratio.toFixed(2)}× | | |`);
    batches.return?.();
    for (const side of [a, b, fed]) side.dispose();
    x.dispose(); y.dispose();
  }
  console.log('\n| batch | side | steps/s | samples/s | ms/step |\n|---:|---|---:|---:|---:|');
  for (const r of rows) console.log(r);
  resident.dispose();
  device.destroy();
  void peer.keepAlive;
}

await main();
