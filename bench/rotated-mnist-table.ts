/**
 * The README's rotated-MNIST table: every method × model, mean over seeds, with the per-angle final
 * accuracy, ACC, BWT, forgetting, the mean accuracy matrix and the run time.
 *
 *   npx tsx bench/rotated-mnist-table.ts [--models cnn,mlp] [--methods nullspace,gpm,...] [--seeds 0,1,2] [--epochs 1] [--out results.json]
 */
import { writeFileSync } from 'node:fs';
import { initDevice } from '../engine/index.js';
import { GRADPROJ_METHODS, SEED_CONFIG, experimentSoftwareThreads, runRotatedMnist, type ExperimentResult, type GradProjMethod } from '../cl/experiments/gradproj-rotated-mnist.js';
import type { SeedModel } from '../cl/experiments/seed-models.js';
import { parseArgs } from '../cli/args.js';

const args = parseArgs(process.argv.slice(2), {
  models: { kind: 'string', default: 'cnn,mlp', help: 'comma-separated models' },
  methods: { kind: 'string', default: GRADPROJ_METHODS.join(','), help: 'comma-separated methods' },
  seeds: { kind: 'numbers', default: [0, 1, 2], help: 'seeds' },
  epochs: { kind: 'int', default: 1, help: 'epochs per task' },
  out: { kind: 'string', help: 'write all results as JSON here' },
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (v: number) => (100 * v).toFixed(1);

const device = await initDevice({ softwareThreads: experimentSoftwareThreads() });
const all: ExperimentResult[] = [];
const lines: string[] = [];
for (const model of (args.models as string).split(',') as SeedModel[]) {
  lines.push('', `**${model.toUpperCase()}**, ${args.epochs} epoch(s) per task, mean of seeds ${(args.seeds as number[]).join(', ')} (${device.backend})`, '');
  lines.push(`| method | ${SEED_CONFIG.angles.map((a) => `${a}°`).join(' | ')} | ACC | BWT | forgetting | seconds |`);
  lines.push(`|---|${SEED_CONFIG.angles.map(() => '---').join('|')}|---|---|---|---|`);
  const matrices: string[] = [];
  for (const method of (args.methods as string).split(',') as GradProjMethod[]) {
    const runs: ExperimentResult[] = [];
    for (const seed of args.seeds as number[]) {
      const r = await runRotatedMnist({ ...SEED_CONFIG, model, method, seed, epochs: args.epochs as number });
      process.stderr.write(`${model} ${method} seed ${seed}: ACC ${pct(r.acc)} BWT ${pct(r.bwt!)} ${r.seconds.toFixed(1)} s\n`);
      runs.push(r);
    }
    all.push(...runs);
    const T = SEED_CONFIG.angles.length;
    const M = Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => mean(runs.map((r) => r.accuracyMatrix[i]![j]!))));
    lines.push(`| ${method} | ${M[T - 1]!.map(pct).join(' | ')} | ${pct(mean(runs.map((r) => r.acc)))} | ${pct(mean(runs.map((r) => r.bwt!)))} | ${pct(mean(runs.map((r) => r.forgetting!)))} | ${mean(runs.map((r) => r.seconds)).toFixed(1)} |`);
    matrices.push(`${method}: ${M.map((row) => `[${row.map(pct).join(', ')}]`).join(' ')}`);
  }
  lines.push('', 'Mean accuracy matrices (row i: after training task i; %):', '', ...matrices.map((m) => `- ${m}`));
}
process.stdout.write(`${lines.join('\n')}\n`);
if (args.out) writeFileSync(args.out as string, `${JSON.stringify(all, null, 2)}\n`);
