/**
 * What the plots read from a run's result (cl/strategy/result.ts, or the JSON the CLI wrote), checked
 * before drawing: a result read from a file may be of another program, cut short, or hold a NaN that
 * JSON wrote as null. Errors name the source (a file name, or 'result') and the field.
 */
import { describe } from '../../engine/check.js';
import type { StrategyResult } from '../strategy/result.js';

/** One task of a regression run: the true function and the model's fit at the points x, and the training data. */
export interface RegressionTask {
  name: string;
  x: number[];
  target: number[];
  fit: number[];
  train?: { x: number[]; y: number[] };
}

/** A run that fits a function per task (the hypernetwork runs): drawn as functions instead of accuracies. */
export interface RegressionRun {
  scenario: string;
  method: string;
  config?: Record<string, unknown>;
  seconds?: number;
  /** 'mse' when the run's matrix holds test mean squared errors; acc is then the mean of its last row. */
  metric?: 'mse';
  acc?: number;
  /** With metric 'mse': [i][j] the test MSE on task j after training task i. */
  accuracyMatrix?: number[][];
  regression: { tasks: RegressionTask[] };
}

export type PlotInput = StrategyResult | RegressionRun;

/** A run to draw as functions and fits (it has regression fits), not as accuracies. */
export const isRegressionRun = (r: PlotInput): r is RegressionRun => r.regression !== undefined;

/** Either the value is a non-empty array of finite numbers or this throws `<source>: <field> …`. */
function finiteArray(source: string, field: string, v: unknown, length?: number): number[] {
  if (!Array.isArray(v) || !v.length) throw new TypeError(`${source}: ${field} must be a non-empty array of numbers, got ${describe(v)}${Array.isArray(v) ? ' (empty)' : ''}`);
  if (length !== undefined && v.length !== length) throw new RangeError(`${source}: ${field} has ${v.length} values, expected ${length}`);
  const bad = v.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw new TypeError(`${source}: ${field}[${bad}] must be a finite number, got ${describe(v[bad])}`);
  return v as number[];
}

function field(source: string, obj: Record<string, unknown>, key: string, type: 'string' | 'number', nullable = false): void {
  const v = obj[key];
  if (typeof v === type && (type !== 'number' || Number.isFinite(v))) return;
  if (nullable && v === null) return;
  throw new TypeError(`${source}: '${key}' must be ${type === 'string' ? 'a string' : 'a finite number'}${nullable ? ' or null' : ''}, got ${describe(v)}`);
}

function checkRegression(source: string, r: Record<string, unknown>): RegressionRun {
  const tasks = (r.regression as { tasks?: unknown } | null)?.tasks;
  if (!Array.isArray(tasks) || !tasks.length) throw new TypeError(`${source}: regression.tasks must be a non-empty array, got ${describe(tasks)}`);
  tasks.forEach((t: Record<string, unknown>, i) => {
    const at = `regression.tasks[${i}]`;
    if (typeof t?.name !== 'string') throw new TypeError(`${source}: ${at}.name must be a string, got ${describe(t?.name)}`);
    const n = finiteArray(source, `${at}.x`, t.x).length;
    finiteArray(source, `${at}.target`, t.target, n);
    finiteArray(source, `${at}.fit`, t.fit, n);
    if (t.train !== undefined) {
      const train = t.train as Record<string, unknown>;
      finiteArray(source, `${at}.train.y`, train.y, finiteArray(source, `${at}.train.x`, train.x).length);
    }
  });
  if (r.metric === 'mse' && r.accuracyMatrix !== undefined) {
    const m = r.accuracyMatrix;
    if (!Array.isArray(m) || !m.length) throw new TypeError(`${source}: 'accuracyMatrix' must be a non-empty array of rows, got ${describe(m)}`);
    finiteArray(source, `accuracyMatrix[${m.length - 1}]`, m[m.length - 1], tasks.length);
  }
  return r as unknown as RegressionRun;
}

/** The value as a plottable result, or an error naming what is missing or malformed. */
export function checkResult(value: unknown, source = 'result'): PlotInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${source}: expected a webgpu-cl run result (an object), got ${describe(value)}`);
  const r = value as Record<string, unknown>;
  field(source, r, 'scenario', 'string');
  field(source, r, 'method', 'string');
  if (r.regression !== undefined) return checkRegression(source, r);
  // A matrix of errors drawn on an accuracy axis would be silently wrong.
  if (r.metric !== undefined) throw new TypeError(`${source}: the matrix holds ${String(r.metric)} values, not accuracies, and there are no 'regression' fits to draw instead`);
  const names = r.experiences;
  if (!Array.isArray(names) || !names.length || names.some((n) => typeof n !== 'string')) {
    throw new TypeError(`${source}: 'experiences' must be a non-empty array of names, got ${describe(names)}`);
  }
  const matrix = r.accuracyMatrix;
  if (!Array.isArray(matrix) || !matrix.length) throw new TypeError(`${source}: 'accuracyMatrix' must be a non-empty array of rows, got ${describe(matrix)}`);
  matrix.forEach((row, i) => finiteArray(source, `accuracyMatrix[${i}]`, row, names.length));
  const curves = r.curves;
  if (!Array.isArray(curves) || curves.length !== matrix.length) {
    throw new TypeError(`${source}: 'curves' must hold one entry per row of the accuracy matrix (${matrix.length}), got ${Array.isArray(curves) ? `${curves.length}` : describe(curves)}`);
  }
  curves.forEach((perTask, i) => {
    if (!Array.isArray(perTask) || perTask.length !== names.length) throw new TypeError(`${source}: curves[${i}] must hold one curve per experience (${names.length}), got ${describe(perTask)}`);
    const epochs = (perTask[0] as unknown[] | undefined)?.length;
    perTask.forEach((c, j) => finiteArray(source, `curves[${i}][${j}]`, c, epochs));
  });
  field(source, r, 'acc', 'number');
  field(source, r, 'bwt', 'number', true);
  field(source, r, 'forgetting', 'number', true);
  field(source, r, 'seconds', 'number');
  if (typeof r.config !== 'object' || r.config === null) throw new TypeError(`${source}: 'config' must be an object, got ${describe(r.config)}`);
  return r as unknown as PlotInput;
}
