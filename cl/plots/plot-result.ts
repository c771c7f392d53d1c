/**
 * One run as one self-contained SVG (what `webgpu-cl run … --plot out.svg` writes and the app shows):
 * a title, the line of ACC / BWT / forgetting / time, then the per-task accuracy curves beside the
 * accuracy-matrix heatmap; a regression run gets one panel per task with its function and the fit.
 */
import { accuracyCurves } from './curves.js';
import { accuracyHeatmap } from './heatmap.js';
import { regressionPanel } from './regression.js';
import { checkResult, isRegressionRun, type RegressionRun } from './result-shape.js';
import { runTitle, summaryLine } from './summary.js';
import { svgDocument, text } from './svg.js';

const WIDTH = 980;

function header(title: string, line: string | null): string[] {
  return [
    text(20, 28, title, { class: 'title', 'font-size': 16, 'font-weight': 600, fill: '#111111' }),
    ...(line === null ? [] : [text(20, 50, line, { class: 'summary', 'font-size': 13, fill: '#333333' })]),
  ];
}

/** Tasks in a grid of up to three panels per row. */
function regressionPlot(r: RegressionRun): string {
  const tasks = r.regression.tasks;
  const perRow = Math.min(3, tasks.length), w = (WIDTH - 40) / perRow, h = 240;
  // With the matrix of test MSEs (metric 'mse'), its last row is each task's final test MSE.
  const testMse = r.metric === 'mse' ? r.accuracyMatrix?.at(-1) : undefined;
  const body = tasks.flatMap((t, i) => regressionPanel(t, i, { x: 20 + (i % perRow) * w + 55, y: 90 + Math.floor(i / perRow) * h, width: w - 75, height: h - 80 }, testMse?.[i]));
  const line = [
    ...(r.metric === 'mse' && typeof r.acc === 'number' ? [`mean test MSE ${r.acc.toPrecision(3)}`] : []),
    ...(typeof r.seconds === 'number' ? [`time ${r.seconds.toFixed(1)} s`] : []),
  ].join(' · ');
  return svgDocument(WIDTH, 90 + Math.ceil(tasks.length / perRow) * h, runTitle(r), [...header(runTitle(r), line || null), ...body]);
}

/** The SVG document for a run's result (checked first: a malformed result is an error naming the field). */
export function plotResult(result: unknown): string {
  const r = checkResult(result);
  if (isRegressionRun(r)) return regressionPlot(r);
  const n = r.experiences.length;
  const cell = Math.max(28, Math.min(56, 320 / n));
  const heatX = WIDTH - 20 - n * cell;
  const curves = accuracyCurves(r, { x: 70, y: 90, width: heatX - 200, height: 280 });
  const heat = accuracyHeatmap(r, heatX, 90, cell);
  const height = Math.max(90 + 280 + 90, heat.frame.y + heat.frame.height + 10);
  return svgDocument(WIDTH, height, runTitle(r), [...header(runTitle(r), summaryLine(r)), ...curves, ...heat.svg]);
}
