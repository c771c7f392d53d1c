/** The result table printed on stdout: final accuracy per task, the accuracy matrix, ACC/BWT/forgetting. */
import type { ExperimentResult } from '../cl/experiments/gradproj-rotated-mnist.js';

const pct = (v: number) => `${(100 * v).toFixed(1).padStart(5)} %`;

export function formatResult(r: ExperimentResult): string {
  const names = r.config.angles.map((a) => `${a}°`);
  const width = Math.max(8, ...names.map((n) => n.length + 2));
  const lines = [
    `${r.scenario} · ${r.method} · ${r.model} · seed ${r.config.seed}`,
    '',
    'final accuracy per task:',
    ...names.map((n, j) => `  ${n.padEnd(width)}${pct(r.accuracyMatrix[r.accuracyMatrix.length - 1]![j]!)}`),
    '',
    'accuracy matrix (row: after training task, column: evaluated on task):',
    `  ${''.padEnd(width)}${names.map((n) => n.padStart(9)).join('')}`,
    ...r.accuracyMatrix.map((row, i) => `  ${`after ${names[i]}`.padEnd(width)}${row.map((v) => pct(v).padStart(9)).join('')}`),
    '',
    `ACC ${pct(r.acc)}   BWT ${(100 * r.bwt).toFixed(1)} pts   forgetting ${(100 * r.forgetting).toFixed(1)} pts`,
    `time ${r.seconds.toFixed(1)} s (data ${r.timings.data.toFixed(1)}, train ${r.timings.train.toFixed(1)}, projection ${r.timings.projection.toFixed(1)}, evaluation ${r.timings.evaluation.toFixed(1)})`,
    '',
  ];
  return lines.join('\n');
}
