/**
 * The README's table for the strategy loop's benchmarks: each (scenario, setting, method) run with the
 * scenario's recipe over several seeds, ACC and BWT as mean ± std (points), and the mean run time,
 * beside the reference numbers issues #11 and #13 give (the peers' reference code on our default split).
 *
 *   npx tsx bench/strategy-table.ts [--seeds 0,1,2] [--rows split] [--out results.json]
 */
import { writeFileSync } from 'node:fs';
import { initDevice } from '../engine/index.js';
import { runExperiment, type ExperimentConfig } from '../cl/experiments/run-experiment.js';
import { experimentSoftwareThreads } from '../cl/experiments/gradproj-rotated-mnist.js';
import type { StrategyResult } from '../cl/strategy/result.js';
import { parseArgs } from '../cli/args.js';

const args = parseArgs(process.argv.slice(2), {
  seeds: { kind: 'numbers', default: [0, 1, 2], help: 'seeds' },
  rows: { kind: 'string', default: '', help: 'run only the rows whose label contains this text' },
  out: { kind: 'string', help: 'write all results as JSON here' },
});

/** Reference ACC (BWT) in %, from issue #11. */
const ROWS: { label: string; config: Omit<ExperimentConfig, 'seed'>; reference: string }[] = [
  { label: 'permuted MNIST, naive', config: { scenario: 'permuted-mnist', method: 'naive' }, reference: '82.6 (BWT −11.0)' },
  { label: 'permuted MNIST, GPM', config: { scenario: 'permuted-mnist', method: 'gpm' }, reference: '89.7 (BWT −0.4)' },
  { label: 'permuted MNIST, joint', config: { scenario: 'permuted-mnist', method: 'joint' }, reference: '90.9' },
  { label: 'permuted MNIST, EWC (λ = 10)', config: { scenario: 'permuted-mnist', method: 'ewc', methodOptions: { lambda: 10 } }, reference: '88.4' },
  { label: 'split MNIST task-IL, EWC (λ = 100)', config: { scenario: 'split-mnist', method: 'ewc', scenarioOptions: { setting: 'task' }, methodOptions: { lambda: 100 } }, reference: '97.9' },
  { label: 'permuted MNIST, RWalk (λ = 3)', config: { scenario: 'permuted-mnist', method: 'rwalk', methodOptions: { lambda: 3 } }, reference: '88.0' },
  { label: 'split MNIST task-IL, RWalk (λ = 3)', config: { scenario: 'split-mnist', method: 'rwalk', scenarioOptions: { setting: 'task' }, methodOptions: { lambda: 3 } }, reference: '97.5' },
  { label: 'permuted MNIST, LwF (α = 1, T = 2)', config: { scenario: 'permuted-mnist', method: 'lwf', methodOptions: { alpha: [1], temperature: 2 } }, reference: '84.8' },
  { label: 'permuted MNIST, LwF (α = 1, T = 2, per-task teachers)', config: { scenario: 'permuted-mnist', method: 'lwf', methodOptions: { alpha: [1], temperature: 2, 'per-task-teachers': true } }, reference: '84.8' },
  { label: 'permuted MNIST, replay (500)', config: { scenario: 'permuted-mnist', method: 'replay', methodOptions: { buffer: 500 } }, reference: '88.4' },
  { label: 'split MNIST task-IL, LwF (α = 1, T = 2)', config: { scenario: 'split-mnist', method: 'lwf', scenarioOptions: { setting: 'task' }, methodOptions: { alpha: [1], temperature: 2 } }, reference: '98.0' },
  { label: 'split MNIST task-IL, replay (500)', config: { scenario: 'split-mnist', method: 'replay', scenarioOptions: { setting: 'task' }, methodOptions: { buffer: 500 } }, reference: '97.5' },
  { label: 'split MNIST class-IL, replay (500)', config: { scenario: 'split-mnist', method: 'replay', scenarioOptions: { setting: 'class' }, methodOptions: { buffer: 500 } }, reference: '77.1' },
  { label: 'split MNIST task-IL, hnet', config: { scenario: 'split-mnist', method: 'hnet', scenarioOptions: { setting: 'task' } }, reference: '—' },
  { label: 'permuted MNIST, hnet', config: { scenario: 'permuted-mnist', method: 'hnet' }, reference: '—' },
  { label: 'split MNIST task-IL, naive', config: { scenario: 'split-mnist', method: 'naive', scenarioOptions: { setting: 'task' } }, reference: '96.9' },
  { label: 'split MNIST task-IL, joint', config: { scenario: 'split-mnist', method: 'joint', scenarioOptions: { setting: 'task' } }, reference: '98.1' },
  { label: 'split MNIST class-IL, naive', config: { scenario: 'split-mnist', method: 'naive', scenarioOptions: { setting: 'class' } }, reference: '18.6' },
  { label: 'split MNIST class-IL, joint', config: { scenario: 'split-mnist', method: 'joint', scenarioOptions: { setting: 'class' } }, reference: '90.6' },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)) * xs.length / Math.max(1, xs.length - 1));
const pm = (xs: number[]) => `${(100 * mean(xs)).toFixed(1)} ± ${(100 * std(xs)).toFixed(1)}`;

const device = await initDevice({ softwareThreads: experimentSoftwareThreads() });
const all: StrategyResult[] = [];
const lines = [
  `| run | ACC % (ours) | BWT pts (ours) | reference ACC % | seconds per run |`,
  '|---|---|---|---|---|',
];
for (const row of ROWS.filter((r) => r.label.includes(args.rows as string))) {
  const runs: StrategyResult[] = [];
  for (const seed of args.seeds as number[]) {
    const r = await runExperiment({ ...row.config, seed });
    process.stderr.write(`${row.label} seed ${seed}: ACC ${(100 * r.acc).toFixed(1)} BWT ${r.bwt === null ? 'n/a' : (100 * r.bwt).toFixed(1)} ${r.seconds.toFixed(1)} s\n`);
    runs.push(r);
  }
  all.push(...runs);
  const bwt = runs[0]!.bwt === null ? 'n/a' : pm(runs.map((r) => r.bwt!));
  lines.push(`| ${row.label} | ${pm(runs.map((r) => r.acc))} | ${bwt} | ${row.reference} | ${mean(runs.map((r) => r.seconds)).toFixed(1)} |`);
}
process.stdout.write(`${lines.join('\n')}\n\n(${device.backend}, ${device.adapterInfo.description || device.adapterInfo.architecture}; seeds ${(args.seeds as number[]).join(', ')})\n`);
if (args.out) writeFileSync(args.out as string, `${JSON.stringify(all, null, 2)}\n`);
