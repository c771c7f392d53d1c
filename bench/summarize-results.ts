/**
 * Mean ± std of ACC, BWT and forgetting over result files (`webgpu-cl run … --json r.json`, one per seed), and the
 * mean curves: accuracy on each experience after every evaluated epoch (what the notebooks plot).
 *
 *   npx tsx bench/summarize-results.ts seed0.json seed1.json seed2.json
 */
import { readFileSync } from 'node:fs';
import type { StrategyResult } from '../cl/strategy/result.js';

const files = process.argv.slice(2);
if (!files.length) throw new Error('summarize-results: give one or more result JSON files');
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as StrategyResult);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
const pm = (xs: (number | null)[]) => (xs.some((x) => x === null) ? 'n/a' : `${(100 * mean(xs as number[])).toFixed(1)} ± ${(100 * std(xs as number[])).toFixed(1)}`);

const r0 = runs[0]!;
process.stdout.write(`${r0.scenario} · ${r0.method} · ${String(r0.config.model)} · ${runs.length} run(s), seeds ${runs.map((r) => r.config.seed).join(', ')}\n`);
process.stdout.write(`ACC ${pm(runs.map((r) => r.acc))} %   BWT ${pm(runs.map((r) => r.bwt))} pts   forgetting ${pm(runs.map((r) => r.forgetting))} pts   seconds ${mean(runs.map((r) => r.seconds)).toFixed(1)}\n`);
// curves[i][j][e]: accuracy on experience j after epoch e of experience i, averaged over the runs
r0.curves.forEach((perTask, i) => {
  const rows = perTask.map((_, j) => r0.experiences[j]!.padEnd(16) + perTask[j]!.map((_, e) => (100 * mean(runs.map((r) => r.curves[i]![j]![e]!))).toFixed(1).padStart(6)).join(''));
  process.stdout.write(`curves while training ${r0.experiences[i] ?? 'joint'} (rows: evaluated experience; columns: epoch 1…):\n  ${rows.join('\n  ')}\n`);
});
