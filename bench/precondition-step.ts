/**
 * The Fisher-preconditioned replay step (issue #13) on the nngeometry notebook's recipe: its CNN
 * (notebook-cnn, 20 outputs) and a mixed batch of 512 real images (256 digits + 256 clothes: the batch of
 * 256 doubled by replay). Per row, milliseconds per step of forward, cross-entropy, backward and — for the
 * preconditioned rows — FisherPreconditioner.apply (the Fisher of the batch and the solve), then SGD:
 *   plain                      no preconditioning (plain replay's step)
 *   diag|kfac|dense, exact     the notebook's Fisher: C = 20 backward passes, one per class
 *   diag|kfac|dense, sampled   one label per sample drawn from the model: one backward pass
 * dense exact costs ≈ 25 s a step here and is left out unless --dense-exact.
 *
 *   npx tsx bench/precondition-step.ts [--steps 5] [--rounds 2] [--dense-exact]
 *
 * Method: one model, one batch; per row a warm-up step (pipeline compiles), then `steps` steps timed up to
 * a readback of the loss that waits for the GPU; rows alternate for `rounds` rounds, each keeping its best,
 * so that a burst of load from other processes does not decide a ratio. The load average is printed.
 */
import { loadavg } from 'node:os';
import { concat, Generator, initDevice, keep, slice, tidy, type Tensor } from '../engine/index.js';
import { benchmarkModel } from '../cl/experiments/models.js';
import { FisherPreconditioner, type Precondition, type PreconditionFisher } from '../cl/replay/precondition.js';
import { mnistThenFashion } from '../cl/scenarios/mnist-then-fashion.js';
import { crossEntropy } from '../nn/losses/cross-entropy.js';
import { SGD } from '../nn/optim/sgd.js';

const arg = (name: string, fallback: number) => (process.argv.includes(`--${name}`) ? Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) : fallback);

interface Row { name: string; kind?: Precondition; fisher?: PreconditionFisher }

async function main(): Promise<void> {
  const steps = arg('steps', 5);
  const rounds = arg('rounds', 2);
  const device = await initDevice();
  const scenario = await mnistThenFashion({ trainPerClass: 26, testPerClass: 1 });
  const [digits, clothes] = scenario.experiences.map((e) => e.train);
  const x = keep(concat([slice(digits!.x, 0, 0, 256), slice(clothes!.x, 0, 0, 256)]));
  const y = keep(concat([slice(digits!.y, 0, 0, 256), slice(clothes!.y, 0, 0, 256)]));
  const model = benchmarkModel('notebook-cnn', scenario, new Generator(0));
  const params = model.parameters();
  const sgd = new SGD(params, { lr: 0.002 });

  const rows: Row[] = [{ name: 'plain' }];
  for (const kind of ['diag', 'kfac', 'dense'] as const) {
    for (const fisher of ['exact', 'sampled'] as const) if (kind !== 'dense' || fisher === 'sampled' || process.argv.includes('--dense-exact')) rows.push({ name: `${kind}, ${fisher}`, kind, fisher });
  }
  const preconditioners = rows.map((r) => (r.kind ? new FisherPreconditioner(model, r.kind, 0.01, r.fisher, 0) : null));

  /** One training step; returns its loss (kept). */
  const step = (p: FisherPreconditioner | null): Tensor => tidy(() => {
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    p?.apply(x, y);
    sgd.step();
    for (const q of params) { q.grad?.dispose(); q.grad = null; }
    return keep(loss.detach());
  });
  const timed = async (p: FisherPreconditioner | null, n: number): Promise<number> => {
    const t0 = performance.now();
    let last: Tensor | null = null;
    for (let i = 0; i < n; i++) { last?.dispose(); last = step(p); }
    await last!.item();
    last!.dispose();
    return (performance.now() - t0) / n;
  };

  const best = rows.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    for (const [i, p] of preconditioners.entries()) {
      if (r === 0) await timed(p, 1);
      best[i] = Math.min(best[i]!, await timed(p, steps));
    }
  }
  console.log(`adapter: ${device.adapterInfo.description || device.adapterInfo.architecture} (${device.backend}); load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  console.log(`notebook CNN, mixed batch 512 (MNIST + Fashion-MNIST), SGD, best of ${rounds} rounds of ${steps} steps`);
  console.log('| step | ms per step | × plain | s per epoch (30 steps) |');
  console.log('|---|---|---|---|');
  for (const [i, row] of rows.entries()) console.log(`| ${row.name} | ${best[i]!.toFixed(0)} | ${(best[i]! / best[0]!).toFixed(1)} | ${(best[i]! * 30 / 1000).toFixed(1)} |`);
  preconditioners.forEach((p) => p?.dispose());
  x.dispose();
  y.dispose();
  model.dispose();
  scenario.dispose();
}

await main();
