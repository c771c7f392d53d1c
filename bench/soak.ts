/**
 * Soak: a long stream of tasks, checking that GPU memory and the step time stay flat (issue #16).
 * Permuted MNIST with `--tasks` tasks (default 50), the recipe's MLP (784-100-100-10, SGD lr 0.01
 * momentum 0.9, batch 64, one epoch a task), trained with online EWC (λ 10, diagonal exact Fisher on
 * `--fisher-samples` samples a task) and, with a fresh model, with replay (buffer 500, each batch joined
 * by as many buffer samples). Per task: the pool's bytes in use and cached free bytes after the task (GPU
 * idle), and the mean milliseconds per training step (the strategy's own train timing, GPU waited for at
 * the task's end; Fisher and evaluation not included — no evaluation runs, the soak is about the loop).
 *
 *   npx tsx bench/soak.ts [--tasks 50] [--train-per-class 100] [--fisher-samples 200] [--out .tmp/soak.json]
 *
 * Prints a row per task and a summary per method (first / last / max bytes in use; the step time of the
 * first and the last ten tasks after task 0, which compiles the pipelines: their median and their best)
 * and writes every row as JSON to `--out`. On a shared machine the step times move with the load (the
 * output prints it): the best of ten tasks is the least disturbed number.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadavg } from 'node:os';
import { Generator, initDevice, type Device, type Tensor } from '../engine/index.js';
import { benchmarkModel } from '../cl/experiments/models.js';
import { EWC } from '../cl/methods/ewc.js';
import { Replay } from '../cl/methods/replay.js';
import { permutedMnist } from '../cl/scenarios/permuted-mnist.js';
import type { Scenario } from '../cl/scenarios/experience.js';
import type { StrategyPlugin } from '../cl/strategy/plugin.js';
import { Strategy } from '../cl/strategy/strategy.js';
import { SGD } from '../nn/optim/sgd.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const out = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1]! : '.tmp/soak.json';

interface Row { task: number; bytesInUse: number; bytesPooled: number; msPerStep: number; load: number }

/** Trains a fresh model with `plugins` over every task of the scenario; one row per task. */
async function soak(device: Device, scenario: Scenario, method: string, plugins: StrategyPlugin[]): Promise<Row[]> {
  const model = benchmarkModel('mlp', scenario, new Generator(0));
  const strategy = new Strategy({ model, optimizer: (p: Tensor[]) => new SGD(p, { lr: 0.01, momentum: 0.9 }), plugins, epochs: 1, batchSize: 64, seed: 0, method });
  const rows: Row[] = [];
  try {
    for (const e of scenario.experiences) {
      const before = strategy.timings.train;
      await strategy.train(e, scenario.experiences);
      await device.sync();
      const { bytesInUse, bytesPooled } = device.stats();
      const steps = Math.ceil(e.train.n / strategy.batchSize);
      const row = { task: e.index, bytesInUse, bytesPooled, msPerStep: ((strategy.timings.train - before) * 1000) / steps, load: loadavg()[0]! };
      rows.push(row);
      console.log(`${method}\ttask ${row.task}\tin use ${row.bytesInUse}\tpooled ${row.bytesPooled}\t${row.msPerStep.toFixed(2)} ms/step\tload ${row.load.toFixed(1)}`);
    }
  } finally {
    strategy.dispose();
    model.dispose();
  }
  return rows;
}

/** Bytes first / last / max; ms per step of the first and the last ten tasks after task 0 (median, and best: robust to load bursts). */
function summary(method: string, rows: Row[]): Record<string, number | string> {
  const bytes = rows.map((r) => r.bytesInUse);
  const ms = (rs: Row[]) => rs.map((r) => r.msPerStep).sort((a, b) => a - b);
  const median = (v: number[]) => (v[(v.length - 1) >> 1]! + v[v.length >> 1]!) / 2;
  const first = ms(rows.slice(1, 11));
  const last = ms(rows.slice(-10));
  return {
    method, firstBytes: bytes[0]!, lastBytes: bytes.at(-1)!, maxBytes: Math.max(...bytes),
    firstPooled: rows[0]!.bytesPooled, lastPooled: rows.at(-1)!.bytesPooled,
    firstMedianMs: median(first), lastMedianMs: median(last), firstBestMs: first[0]!, lastBestMs: last[0]!,
  };
}

async function main(): Promise<void> {
  const tasks = arg('tasks', 50);
  const trainPerClass = arg('train-per-class', 100);
  const fisherSamples = arg('fisher-samples', 200);
  const device = await initDevice();
  const scenario = await permutedMnist({ tasks, seed: 0, trainPerClass, testPerClass: 1 });
  try {
    const online = await soak(device, scenario, 'online-ewc', [new EWC({ lambda: 10, mode: 'online', fisher: { samples: fisherSamples }, seed: 0 })]);
    const replay = await soak(device, scenario, 'replay', [new Replay({ bufferSize: 500, seed: 0 })]);
    const summaries = [summary('online-ewc', online), summary('replay', replay)];
    console.table(summaries);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({
      bench: 'soak', tasks, trainPerClass, fisherSamples, backend: device.backend, adapter: device.adapterInfo.description,
      summaries, rows: { 'online-ewc': online, replay },
    }, null, 2));
    console.log(`wrote ${out}`);
  } finally {
    scenario.dispose();
    device.destroy();
  }
}

await main();
