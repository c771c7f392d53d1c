/**
 * The cost of a hypernetwork training step against the plain main network's, on split MNIST's shapes:
 * main network 784-100-100 with five 2-way heads, batch 64, SGD lr 0.01 momentum 0.9.
 *
 *   npx tsx bench/hnet-step.ts [--steps 30] [--rounds 3] [--previous 4]
 *
 * Sides: (1) the main network of nn layers (nn.MultiHead), forward + backward + step; (2) cl.hnet: the
 * HMLP (embedding 32, hidden 50-50) generating the main network's 89,610 weights, forward + backward,
 * then HnetRegularizer.afterBackward with `previous` earlier tasks (look-ahead Δθ, the earlier embeddings
 * through the hypernetwork in one batched pass, its backward), then the step; plain and chunked (4000).
 * Method: 5 warm-up steps, then `steps` steps and one device.sync(); the sides alternate for `rounds`
 * rounds and each keeps its best. Prints ms per step and GPU dispatches per step.
 */
import { Generator, getDevice, initDevice, tensor, tidy } from '../engine/index.js';
import { datasets } from '../nn/data/index.js';
import { ReLU } from '../nn/layers/activation.js';
import { Sequential } from '../nn/layers/container.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { MultiHead } from '../nn/layers/multi-head.js';
import { crossEntropy } from '../nn/losses/cross-entropy.js';
import type { Module } from '../nn/module.js';
import { SGD } from '../nn/optim/sgd.js';
import { HnetModel, HnetRegularizer, MainMLP } from '../cl/hnet/index.js';
import { selectHead } from '../cl/strategy/heads.js';
import type { Experience } from '../cl/scenarios/experience.js';
import type { IterationContext } from '../cl/strategy/plugin.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

interface Side {
  name: string;
  step(): void;
  dispose(): void;
}

const steps = Number(arg('steps', '30'));
const rounds = Number(arg('rounds', '3'));
const previous = Number(arg('previous', '4'));

function side(name: string, model: Module, x: ReturnType<typeof tensor>, y: ReturnType<typeof tensor>, reg: HnetRegularizer | null): Side {
  const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const experiences = Array.from({ length: previous + 1 }, (_, index) => ({ index, taskId: index }) as unknown as Experience);
  const ctx = { model, optimizer: opt, experience: experiences[previous]!, experiences, epoch: 0 } as unknown as IterationContext;
  selectHead(model, previous);
  if (reg) { reg.bind(model); reg.beforeExperience(ctx); }
  return {
    name,
    step: () => tidy(() => {
      crossEntropy(model.forward(x), y).backward();
      reg?.afterBackward(ctx);
      opt.step();
      opt.zeroGrad();
    }),
    dispose: () => { reg?.dispose(); opt.dispose(); model.dispose(); },
  };
}

const dispatches = new Map<string, number>();

async function seconds(s: Side): Promise<number> {
  for (let i = 0; i < 5; i++) s.step();
  await getDevice().sync();
  const before = getDevice().stats().dispatches;
  s.step();
  dispatches.set(s.name, getDevice().stats().dispatches - before);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) s.step();
  await getDevice().sync();
  return (performance.now() - t0) / 1000;
}

const device = await initDevice();
const { train } = await datasets.mnist();
const B = 64;
const x = tensor(train.images.subarray(0, B * 784), [B, 1, 28, 28]);
const y = tensor(Int32Array.from(train.labels.subarray(0, B), (l) => l % 2), [B], { dtype: 'int32' });
const g = new Generator(0);
const hnet = (chunk: number) => new HnetModel(new MainMLP([784, 100, 100, 2], { heads: 5 }), { tasks: 5, embeddingSize: 32, hidden: [50, 50], generator: g, ...(chunk && { chunked: true, chunkSize: chunk }) });
const sides = [
  side('main network (nn layers)', new Sequential(new Flatten(), new Linear(784, 100, { generator: g }), new ReLU(), new Linear(100, 100, { generator: g }), new ReLU(), new MultiHead(100, 5, 2, { generator: g })), x, y, null),
  side(`hnet, plain, ${previous} earlier tasks`, hnet(0), x, y, new HnetRegularizer({ beta: 0.05 })),
  side(`hnet, chunks of 4000, ${previous} earlier tasks`, hnet(4000), x, y, new HnetRegularizer({ beta: 0.05 })),
];
const best = new Map<string, number>();
for (let r = 0; r < rounds; r++) for (const s of r % 2 ? [...sides].reverse() : sides) best.set(s.name, Math.min(best.get(s.name) ?? Infinity, await seconds(s)));
console.log(`adapter: ${device.adapterInfo.description || device.adapterInfo.architecture} (${device.backend}), batch ${B}, ${steps} steps, best of ${rounds} rounds`);
console.log('\n| step | ms/step | × main network | dispatches/step |\n|---|---:|---:|---:|');
const base = best.get(sides[0]!.name)!;
for (const [name, s] of best) console.log(`| ${name} | ${((1000 * s) / steps).toFixed(1)} | ${(s / base).toFixed(1)} | ${dispatches.get(name)} |`);
for (const s of sides) s.dispose();
x.dispose(); y.dispose();
device.destroy();
