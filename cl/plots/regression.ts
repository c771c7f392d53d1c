/**
 * A regression task's panel: the true function (grey), the model's fit (coloured, dashed) and the
 * training samples (dots). Tasks live on their own intervals (a cubic far from its data dwarfs
 * everything), so a task with training data is drawn over that data's x range widened by a quarter on
 * each side; the title gives the run's test MSE for the task when known, else the fit's mean squared
 * error on the drawn points, Σ(fit − target)² / n.
 */
import { xAxis, yAxis, type Frame } from './axes.js';
import { seriesColor } from './colors.js';
import type { RegressionTask } from './result-shape.js';
import { extent, linearScale, ticks } from './scale.js';
import { el, num, pathData, text } from './svg.js';

/** Mean of (fit − target)² over the task's points. */
export function meanSquaredError(task: Pick<RegressionTask, 'fit' | 'target'>): number {
  return task.fit.reduce((a, f, k) => a + (f - task.target[k]!) ** 2, 0) / task.fit.length;
}

/** The task's grid points inside its training data's x range widened by 25 % each side (all of them without training data). */
export function visiblePart(task: RegressionTask): Pick<RegressionTask, 'x' | 'target' | 'fit'> {
  if (!task.train) return task;
  const [lo, hi] = [Math.min(...task.train.x), Math.max(...task.train.x)];
  const margin = 0.25 * (hi - lo);
  const keep = task.x.map((x) => x >= lo - margin && x <= hi + margin);
  if (!keep.some(Boolean)) return task;
  const pick = (v: readonly number[]) => v.filter((_, k) => keep[k]);
  return { x: pick(task.x), target: pick(task.target), fit: pick(task.fit) };
}

/** Points sorted by x, so that a line through them reads left to right. */
function line(xs: readonly number[], ys: readonly number[], sx: (v: number) => number, sy: (v: number) => number): string {
  return pathData(xs.map((x, k): [number, number] => [x, ys[k]!]).sort((a, b) => a[0] - b[0]).map(([x, y]) => [sx(x), sy(y)]));
}

export function regressionPanel(task: RegressionTask, index: number, frame: Frame, testMse?: number): string[] {
  const shown = visiblePart(task);
  const [x0, x1] = extent([...shown.x, ...(task.train?.x ?? [])]);
  const [y0, y1] = extent([...shown.target, ...shown.fit, ...(task.train?.y ?? [])]);
  const sx = linearScale([x0, x1], [frame.x, frame.x + frame.width]);
  const sy = linearScale([y0, y1], [frame.y + frame.height, frame.y]);
  const tick = (v: number) => ({ value: v, label: num(v) });
  const title = testMse === undefined ? `MSE on the drawn grid ${meanSquaredError(shown).toPrecision(3)}` : `test MSE ${testMse.toPrecision(3)}`;
  return [
    ...yAxis(frame, sy, ticks(y0, y1, 4).map(tick), 'y'),
    ...xAxis(frame, sx, ticks(x0, x1, 4).map(tick), 'x'),
    text(frame.x, frame.y - 8, `${task.name}: ${title}`, { 'font-size': 11, fill: '#333333' }),
    el('path', { class: 'target', d: line(shown.x, shown.target, sx, sy), fill: 'none', stroke: '#9a9a9a', 'stroke-width': 2 }),
    el('path', { class: 'fit', 'data-task': task.name, d: line(shown.x, shown.fit, sx, sy), fill: 'none', stroke: seriesColor(index), 'stroke-width': 2, 'stroke-dasharray': '6 3' }),
    ...(task.train ? task.train.x.map((x, k) => el('circle', { class: 'train', cx: sx(x), cy: sy(task.train!.y[k]!), r: 2, fill: '#333333', 'fill-opacity': 0.6 })) : []),
  ];
}
