/** The result table printed on stdout: final accuracy per experience, the accuracy matrix, ACC/BWT/FWT/forgetting. */
import type { StrategyResult } from '../cl/strategy/result.js';

const pct = (v: number) => `${(100 * v).toFixed(1).padStart(5)} %`;
const pts = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)} pts`);

export function formatResult(r: StrategyResult): string {
  const names = r.experiences;
  const width = Math.max(8, ...names.map((n) => n.length + 8));
  const col = Math.max(9, ...names.map((n) => n.length + 2));
  const rowName = (i: number) => (r.accuracyMatrix.length === names.length ? `after ${names[i]}` : 'after joint');
  const c = r.config;
  const lines = [
    `${r.scenario} (${String(c.setting)}) · ${r.method} · ${String(c.model ?? '')} · seed ${String(c.seed)}`,
    '',
    'final accuracy per experience:',
    ...names.map((n, j) => `  ${n.padEnd(width)}${pct(r.accuracyMatrix[r.accuracyMatrix.length - 1]![j]!)}`),
    '',
    'accuracy matrix (row: after training experience, column: evaluated on experience):',
    `  ${''.padEnd(width)}${names.map((n) => n.padStart(col)).join('')}`,
    ...r.accuracyMatrix.map((row, i) => `  ${rowName(i).padEnd(width)}${row.map((v) => pct(v).padStart(col)).join('')}`),
    '',
    `ACC ${pct(r.acc)}   BWT ${pts(r.bwt)}   FWT ${pts(r.fwt)}   forgetting ${pts(r.forgetting)}`,
    `time ${r.seconds.toFixed(1)} s (train ${r.timings.train.toFixed(1)}, plugins ${r.timings.plugins.toFixed(1)}, evaluation ${r.timings.evaluation.toFixed(1)})`,
    '',
  ];
  return lines.join('\n');
}
