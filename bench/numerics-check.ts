/**
 * The cost of cl.Strategy's checkNumerics (issue #16): split MNIST (class-IL), the recipe's MLP
 * 784-100-100-10 (SGD lr 0.01 momentum 0.9, batch 64), 1 epoch per experience (--epochs), with the check on and off.
 * Two strategies on identical models train side by side in one process, alternating per experience
 * (off then on on experience 1, on then off on experience 2, …, the order swapped each time), so that
 * load from other processes falls on both; `reps` passes over the five experiences after one warm-up pass.
 * Mesa's rasteriser runs on the calling thread (softwareThreads 0, the CLI's default), so the process's
 * CPU time counts the GPU work too and hardly moves when other processes load the machine, where
 * wall-clock time does. Reports for each side the CPU seconds of train() (the steps and the loader, no
 * evaluation) and its wall-clock training seconds (Strategy's timings.train), and on/off: of the totals,
 * the median of the per-experience ratios, and of the best times (per experience the fastest of the
 * passes, summed: the least disturbed by other processes).
 *
 *   npx tsx bench/numerics-check.ts [--reps 3] [--epochs 1] [--seed 0] [--calibrate]
 * --calibrate runs both sides with the check off: the ratios it prints are the measurement's own noise.
 */
import { Generator, initDevice } from '../engine/index.js';
import { benchmarkModel } from '../cl/experiments/models.js';
import { splitMnist } from '../cl/scenarios/split.js';
import { Strategy } from '../cl/strategy/strategy.js';
import { SGD } from '../nn/optim/sgd.js';
import { parseArgs } from '../cli/args.js';

const args = parseArgs(process.argv.slice(2), {
  reps: { kind: 'int', default: 3, min: 1, help: 'passes over the experiences' },
  epochs: { kind: 'int', default: 1, min: 1, help: 'epochs per experience' },
  seed: { kind: 'int', default: 0, help: 'seed' },
  calibrate: { kind: 'boolean', default: false, help: 'both sides off (the noise of the comparison)' },
});
const seed = args.seed as number;

const device = await initDevice({ softwareThreads: 0 });
const scenario = await splitMnist({ setting: 'class' });
const strategy = (checkNumerics: boolean) => new Strategy({
  model: benchmarkModel('mlp', scenario, new Generator(seed)), optimizer: (p) => new SGD(p, { lr: 0.01, momentum: 0.9 }),
  epochs: args.epochs as number, batchSize: 64, seed, checkNumerics,
});
const sides = { off: strategy(false), on: strategy(!args.calibrate) };
/** CPU and wall-clock training seconds of one experience. */
const train = async (s: Strategy, i: number) => {
  const [before, cpu] = [s.timings.train, process.cpuUsage()];
  await s.train(scenario.experiences[i]!);
  const d = process.cpuUsage(cpu);
  return { cpu: (d.user + d.system) / 1e6, wall: s.timings.train - before };
};
type Times = { cpu: number; wall: number };
const times = { off: [] as Times[], on: [] as Times[] };
for (let rep = 0; rep <= (args.reps as number); rep++) {
  for (let i = 0; i < scenario.experiences.length; i++) {
    const order = (rep * scenario.experiences.length + i) % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    const t = { off: { cpu: 0, wall: 0 }, on: { cpu: 0, wall: 0 } };
    for (const k of order) t[k] = await train(sides[k], i);
    if (rep === 0) continue; // warm-up pass: pipeline compiles, pooled buffers
    times.off.push(t.off);
    times.on.push(t.on);
  }
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const n = scenario.experiences.length;
const best = (xs: number[]) => sum(Array.from({ length: n }, (_, i) => Math.min(...xs.filter((_, j) => j % n === i))));
console.log(`split MNIST class-IL, MLP 784-100-100-10, batch 64, ${args.epochs as number} epoch(s), ${device.backend}, ${times.on.length} experiences each${args.calibrate ? ' (calibration: both off)' : ''}:`);
for (const k of ['cpu', 'wall'] as const) {
  const [off, on] = [times.off.map((t) => t[k]), times.on.map((t) => t[k])];
  const ratios = on.map((t, i) => t / off[i]!).sort((a, b) => a - b);
  console.log(`  ${k} s: off ${sum(off).toFixed(2)}, on ${sum(on).toFixed(2)}; on/off ${(sum(on) / sum(off)).toFixed(3)}, median per experience ${ratios[ratios.length >> 1]!.toFixed(3)} (range ${ratios[0]!.toFixed(3)}–${ratios[ratios.length - 1]!.toFixed(3)}); best of ${args.reps as number} per experience: off ${best(off).toFixed(2)}, on ${best(on).toFixed(2)}, on/off ${(best(on) / best(off)).toFixed(3)}`);
}
sides.off.dispose(); sides.on.dispose();
scenario.dispose();
