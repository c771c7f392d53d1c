/** The result table printed on stdout: final accuracy per experience, the accuracy matrix, ACC/BWT/FWT/forgetting. */
import { protectedShareOf, type StrategyResult } from '../cl/strategy/result.js';

const pct = (v: number) => `${(100 * v).toFixed(1).padStart(5)} %`;
const pts = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)} pts`);

export function formatResult(r: StrategyResult): string {
  const names = r.experiences;
  const width = Math.max(8, ...names.map((n) => n.length + 8));
  const col = Math.max(9, ...names.map((n) => n.length + 2));
  const rowName = (i: number) => (r.accuracyMatrix.length === names.length ? `after ${names[i]}` : 'after joint');
  const c = r.config;
  // Regression scenarios: the matrix holds test MSEs, not accuracies.
  const mse = r.metric === 'mse';
  const value = mse ? (v: number) => v.toPrecision(3).padStart(7) : pct;
  const change = mse ? (v: number | null) => (v === null ? 'n/a' : v.toPrecision(3)) : pts;
  const what = mse ? 'test MSE' : 'accuracy';
  const lines = [
    `${r.scenario} (${String(c.setting)}) · ${r.method} · ${String(c.model ?? '')} · seed ${String(c.seed)}`,
    '',
    `final ${what} per experience:`,
    ...names.map((n, j) => `  ${n.padEnd(width)}${value(r.accuracyMatrix[r.accuracyMatrix.length - 1]![j]!)}`),
    '',
    `${what} matrix (row: after training experience, column: evaluated on experience):`,
    `  ${''.padEnd(width)}${names.map((n) => n.padStart(col)).join('')}`,
    ...r.accuracyMatrix.map((row, i) => `  ${rowName(i).padEnd(width)}${row.map((v) => value(v).padStart(col)).join('')}`),
    '',
    `${mse ? 'mean MSE' : 'ACC'} ${value(r.acc)}   BWT ${change(r.bwt)}   FWT ${change(r.fwt)}   forgetting ${change(r.forgetting)}`,
    `time ${r.seconds.toFixed(1)} s (train ${r.timings.train.toFixed(1)}, plugins ${r.timings.plugins.toFixed(1)}, evaluation ${r.timings.evaluation.toFixed(1)})`,
    '',
    ...protectionLines(r, width),
    ...(r.unlearning ?? []).flatMap((u) => unlearningLines(u, names, width, col)),
  ];
  return lines.join('\n');
}

/** One unlearning: the row before and after (experiences numbered from 1, as --unlearn takes them), the unlearned and the kept mean. */
function unlearningLines(u: NonNullable<StrategyResult['unlearning']>[number], names: readonly string[], width: number, col: number): string[] {
  const cell = (v: number) => (Number.isNaN(v) ? '—' : pct(v)).padStart(col);
  const mean = (row: readonly number[], keep: (j: number) => boolean) => {
    const vs = row.filter((v, j) => keep(j) && !Number.isNaN(v));
    return vs.length ? pct(vs.reduce((a, b) => a + b, 0) / vs.length) : 'n/a';
  };
  const gone = (j: number) => u.tasks.includes(j);
  const kept = (j: number) => !gone(j);
  return [
    `unlearned experience${u.tasks.length > 1 ? 's' : ''} ${u.tasks.map((t) => `${t + 1} (${names[t] ?? '?'})`).join(', ')} in ${u.seconds.toFixed(3)} s:`,
    `  ${''.padEnd(width)}${names.map((n) => n.padStart(col)).join('')}`,
    `  ${'before'.padEnd(width)}${u.before.map(cell).join('')}`,
    `  ${'after'.padEnd(width)}${u.after.map(cell).join('')}`,
    `  unlearned ${mean(u.before, gone)} → ${mean(u.after, gone)}   kept (the others) ${mean(u.before, kept)} → ${mean(u.after, kept)}`,
    '',
  ];
}

/** Projection methods: the share of each projected layer's input space protected after each experience (their report). */
function protectionLines(r: StrategyResult, width: number): string[] {
  const rows = protectedShareOf(r.reports);
  if (!rows) return [];
  const rowName = (i: number) => `after ${r.experiences[i] ?? `experience ${i + 1}`}`;
  return [
    "protected share of each projected layer's input space (1 − tr(P)/d):",
    `  ${''.padEnd(width)}${rows[0]!.map((_, l) => `layer ${l + 1}`.padStart(10)).join('')}`,
    ...rows.map((row, i) => `  ${rowName(i).padEnd(width)}${row.map((v) => pct(v).padStart(10)).join('')}`),
    '',
  ];
}
