/**
 * Replay's training step against the plain step with the doubled batch (issue #13's target: at most 2×).
 * Both run through cl.Strategy on class-incremental split MNIST with the recipe's MLP (784-100-100-10,
 * SGD lr 0.01 momentum 0.9), so each step sees 2B samples:
 *   plain   batch 2B, no plugin
 *   replay  batch B + B replayed from a reservoir buffer (cl.methods.Replay, bufferSize 500)
 *
 *   npx tsx bench/replay-step.ts [--batch 64] [--train-per-class 500] [--rounds 3]
 *
 * Method: a fresh strategy per side and round; experience 0 is the warm-up (pipeline compiles, the
 * buffer fills), then experiences 1–2 are timed by the strategy's own train timing (GPU waited for at
 * each epoch's end; one loss readback per epoch and every 50 steps on both sides). The sides alternate
 * for `rounds` rounds and each keeps its best milliseconds per step, so a burst of load from other
 * processes does not decide the ratio. On a shared machine the numbers move with the load: the output
 * prints it.
 */
import { loadavg } from 'node:os';
import { Generator, initDevice, type Tensor } from '../engine/index.js';
import { benchmarkModel } from '../cl/experiments/models.js';
import { Replay } from '../cl/methods/replay.js';
import { splitMnist } from '../cl/scenarios/split.js';
import { Strategy } from '../cl/strategy/strategy.js';
import type { StrategyPlugin } from '../cl/strategy/plugin.js';
import { SGD } from '../nn/optim/sgd.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const B = arg('batch', 64);
  const perClass = arg('train-per-class', 500);
  const rounds = arg('rounds', 3);
  const device = await initDevice();
  const scenario = await splitMnist({ setting: 'class', trainPerClass: perClass, testPerClass: 10 });
  const timed = scenario.experiences.slice(1, 3);

  /** Milliseconds per step over experiences 1–2, after experience 0 as warm-up. */
  async function msPerStep(batchSize: number, plugins: StrategyPlugin[]): Promise<number> {
    const model = benchmarkModel('mlp', scenario, new Generator(0));
    const s = new Strategy({ model, optimizer: (p: Tensor[]) => new SGD(p, { lr: 0.01, momentum: 0.9 }), plugins, epochs: 1, batchSize, seed: 0 });
    await s.train(scenario.experiences[0]!, scenario.experiences);
    const before = s.timings.train;
    let steps = 0;
    for (const e of timed) {
      await s.train(e, scenario.experiences);
      steps += Math.ceil(e.train.n / batchSize);
    }
    const ms = ((s.timings.train - before) * 1000) / steps;
    s.dispose();
    model.dispose();
    return ms;
  }

  const best = { plain: Infinity, replay: Infinity };
  for (let r = 0; r < rounds; r++) {
    best.plain = Math.min(best.plain, await msPerStep(2 * B, []));
    best.replay = Math.min(best.replay, await msPerStep(B, [new Replay({ bufferSize: 500, seed: 0 })]));
  }
  console.log(`adapter: ${device.adapterInfo.description || device.adapterInfo.architecture} (${device.backend}); load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  console.log(`split MNIST class-IL, MLP 784-100-100-10, ${perClass} training images per class, best of ${rounds} rounds`);
  console.log('| step | samples per step | ms per step |');
  console.log('|---|---|---|');
  console.log(`| plain, batch ${2 * B} | ${2 * B} | ${best.plain.toFixed(2)} |`);
  console.log(`| replay, batch ${B} + ${B} replayed | ${2 * B} | ${best.replay.toFixed(2)} |`);
  console.log(`replay / plain: ${(best.replay / best.plain).toFixed(2)}×`);
  scenario.dispose();
}

await main();
