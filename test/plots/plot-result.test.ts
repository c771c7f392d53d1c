/**
 * plotResult: the SVG of one run is well-formed XML (parsed strictly by test/helpers/svg-parse.ts), with
 * one curve per experience through every evaluation of the sequence at the right heights, one heatmap
 * cell per matrix entry with its number, the summary line's numbers equal to the result's, and a panel per
 * task for regression runs. The SVG writer's escaping and number format, and the scales' ticks, too.
 *
 * Mutations tried, each caught: curves drawn from the matrix only (one point per experience, not per
 * epoch); the y scale not flipped (1 at the bottom); heatmap cells transposed (data-row ↔ data-col);
 * percent() with toFixed(0); summary showing FWT as BWT; escapeXml without the `&` case; num() without
 * its rounding; ticks() stepping by raw (not 1/2/5·10ᵏ); checkResult accepting a null matrix entry;
 * regression fit drawn unsorted; MSE without the division by n; a regression task drawn over the whole grid
 * instead of around its data; the test MSE read from the first row of the matrix; a partial heatmap without
 * its empty rows.
 */
import { describe, expect, it } from 'vitest';
import { accuracyCurves, accuracyHeatmap, plotResult } from '../../cl/plots/index.js';
import { escapeXml, num, svgDocument, text } from '../../cl/plots/svg.js';
import { ticks } from '../../cl/plots/scale.js';
import type { StrategyResult } from '../../cl/strategy/result.js';
import { byClass, findAll, parseSvg, pathPoints } from '../helpers/svg-parse.js';

/** Three experiences, two evaluated epochs each; curves[i][j] ends at matrix[i][j]. */
function result(overrides: Partial<StrategyResult> = {}): StrategyResult {
  const accuracyMatrix = [[0.91, 0.12, 0.33], [0.85, 0.97, 0.4], [0.8, 0.9, 0.99]];
  return {
    scenario: 'split-mnist', method: 'ewc', experiences: ['0-1', '2-3', '4-5'], accuracyMatrix,
    config: { seed: 7, model: 'mlp', scenarioOptions: { setting: 'task' } },
    curves: accuracyMatrix.map((row, i) => row.map((v, j) => [Math.max(0, v - 0.1 * (i + j + 1) / 6), v])),
    acc: (0.8 + 0.9 + 0.99) / 3, bwt: -0.0875, fwt: 0.01, forgetting: 0.0875, untrained: [0.5, 0.5, 0.5],
    seconds: 12.34, timings: { train: 10, evaluation: 2, plugins: 0.34 },
    ...overrides,
  };
}

describe('plotResult', () => {
  it('is a well-formed SVG document with a viewBox, a title and the fonts every system has', () => {
    const root = parseSvg(plotResult(result()));
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(root.attrs.viewBox).toMatch(/^0 0 \d+ \d+$/);
    expect(root.attrs['font-family']).toContain('sans-serif');
    expect(findAll(root, (e) => e.name === 'title')[0]!.text).toBe('split-mnist (task) · ewc · mlp · seed 7');
  });

  it('draws one curve per experience through every evaluated epoch of the sequence, at the accuracy read off the y axis', () => {
    const r = result();
    const root = parseSvg(plotResult(r));
    const curves = byClass(root, 'curve');
    expect(curves.map((c) => c.attrs['data-task'])).toEqual(r.experiences);
    // The axis: the labels '0' and '100' sit (4 units below) at the grid lines of 0 and 1.
    const label = (t: string) => Number(findAll(root, (e) => e.name === 'text' && e.text === t)[0]!.attrs.y) - 4;
    const [y0, y1] = [label('0'), label('100')];
    expect(y1).toBeLessThan(y0); // 100 % at the top
    curves.forEach((c, j) => {
      const points = pathPoints(c.attrs.d!);
      const want = r.curves.flatMap((perTask) => perTask[j]!);
      expect(points).toHaveLength(6);
      points.forEach(([, y], k) => expect((y - y0) / (y1 - y0)).toBeCloseTo(want[k]!, 3));
      points.slice(1).forEach(([x], k) => expect(x).toBeGreaterThan(points[k]![0]));
    });
  });

  it('has one point per experience when the run evaluated only after each experience', () => {
    const r = result();
    const root = parseSvg(plotResult({ ...r, curves: r.accuracyMatrix.map((row) => row.map((v) => [v])) }));
    for (const c of byClass(root, 'curve')) expect(pathPoints(c.attrs.d!)).toHaveLength(3);
  });

  it('draws one heatmap cell per matrix entry with its accuracy in % as text', () => {
    const r = result();
    const root = parseSvg(plotResult(r));
    const cells = byClass(root, 'cell');
    expect(cells.map((c) => [Number(c.attrs['data-row']), Number(c.attrs['data-col'])])).toEqual([0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => [i, j])));
    expect(byClass(root, 'cell-value').map((t) => t.text)).toEqual(['91.0', '12.0', '33.0', '85.0', '97.0', '40.0', '80.0', '90.0', '99.0']);
    // Each number is inside its cell.
    byClass(root, 'cell-value').forEach((t, k) => {
      const c = cells[k]!;
      const [x, y] = [Number(t.attrs.x), Number(t.attrs.y)];
      expect(x).toBeGreaterThan(Number(c.attrs.x));
      expect(x).toBeLessThan(Number(c.attrs.x) + Number(c.attrs.width));
      expect(y).toBeGreaterThan(Number(c.attrs.y));
      expect(y).toBeLessThan(Number(c.attrs.y) + Number(c.attrs.height));
    });
  });

  it('draws a joint run (one row for several experiences) as one row of cells and one point per curve', () => {
    const root = parseSvg(plotResult(result({ accuracyMatrix: [[0.9, 0.8, 0.7]], curves: [[[0.9], [0.8], [0.7]]], bwt: null, forgetting: null })));
    expect(byClass(root, 'cell')).toHaveLength(3);
    expect(byClass(root, 'curve').map((c) => pathPoints(c.attrs.d!).length)).toEqual([1, 1, 1]);
    expect(byClass(root, 'summary')[0]!.text).toBe('ACC 89.7 % · BWT n/a · forgetting n/a · time 12.3 s');
  });

  it("writes the summary line with the result's ACC, BWT, forgetting and time", () => {
    const r = result();
    const line = byClass(parseSvg(plotResult(r)), 'summary')[0]!.text;
    expect(line).toBe('ACC 89.7 % · BWT −8.8 pts · forgetting 8.8 pts · time 12.3 s');
    const [acc, bwt, forgetting, seconds] = [...line.matchAll(/−?[\d.]+/g)].map((m) => Number(m[0].replace('−', '-')));
    expect([acc, bwt, forgetting, seconds]).toEqual([r.acc, r.bwt!, r.forgetting!, r.seconds].map((v, k) => Number((k < 3 ? 100 * v : v).toFixed(1))));
  });

  it('escapes names, so that any experience name gives a valid document showing that name', () => {
    const name = `<a & "b">'`;
    const root = parseSvg(plotResult(result({ experiences: [name, '2-3', '4-5'] })));
    expect(byClass(root, 'curve')[0]!.attrs['data-task']).toBe(name);
    expect(findAll(root, (e) => e.text === `on ${name}`)).toHaveLength(1);
  });

  it('refuses a malformed result with an error naming the field', () => {
    const r = result();
    expect(() => plotResult(null)).toThrow('result: expected a webgpu-cl run result (an object), got null');
    expect(() => plotResult({ ...r, accuracyMatrix: [] })).toThrow("result: 'accuracyMatrix' must be a non-empty array of rows, got an array");
    // NaN is written as null in JSON.
    expect(() => plotResult({ ...r, accuracyMatrix: [r.accuracyMatrix[0], [null, 0.9, 0.4], r.accuracyMatrix[2]] })).toThrow('result: accuracyMatrix[1][0] must be a finite number, got null');
    expect(() => plotResult({ ...r, accuracyMatrix: [[0.5, 0.5], ...r.accuracyMatrix.slice(1)] })).toThrow('result: accuracyMatrix[0] has 2 values, expected 3');
    expect(() => plotResult({ ...r, curves: r.curves.slice(1) })).toThrow("result: 'curves' must hold one entry per row of the accuracy matrix (3), got 2");
    expect(() => plotResult({ ...r, acc: Number.NaN })).toThrow("result: 'acc' must be a finite number, got number NaN");
    expect(() => plotResult({ ...r, experiences: [] })).toThrow("result: 'experiences' must be a non-empty array of names");
  });
});

describe('the panels for a run in progress', () => {
  it('draw the rows trained so far and leave the others empty, named by `trained`', () => {
    const r = result();
    const partial = { experiences: r.experiences, trained: r.experiences, accuracyMatrix: r.accuracyMatrix.slice(0, 2), curves: r.curves.slice(0, 2) };
    const root = parseSvg(svgDocument(600, 400, 'live', [...accuracyCurves(partial, { x: 50, y: 20, width: 300, height: 200 }), ...accuracyHeatmap(partial, 400, 20, 40).svg]));
    expect(byClass(root, 'cell')).toHaveLength(6);
    expect(byClass(root, 'cell-empty')).toHaveLength(3);
    expect(findAll(root, (e) => e.text === 'after 4-5')).toHaveLength(1);
    for (const c of byClass(root, 'curve')) expect(pathPoints(c.attrs.d!)).toHaveLength(4);
    // Before the first experience ends: axes, empty cells, no curve points.
    const start = parseSvg(svgDocument(600, 400, 'live', [...accuracyCurves({ ...partial, accuracyMatrix: [], curves: [] }, { x: 50, y: 20, width: 300, height: 200 }), ...accuracyHeatmap({ ...partial, accuracyMatrix: [] }, 400, 20, 40).svg]));
    expect(byClass(start, 'cell-empty')).toHaveLength(9);
  });
});

describe('plotResult of a regression run', () => {
  const tasks = [
    { name: 'sin', x: [0.5, 0, 1], target: [0.48, 0, 0.84], fit: [0.5, 0.1, 0.8], train: { x: [0.1, 0.9], y: [0.1, 0.78] } },
    { name: 'cos', x: [0, 1], target: [1, 0.54], fit: [0.9, 0.6] },
  ];
  const run = { scenario: 'regression', method: 'hnet', config: { seed: 1 }, seconds: 2, regression: { tasks } };

  it("draws each task's function and the fit, sorted along x, its training points, and the MSE", () => {
    const root = parseSvg(plotResult(run));
    const fits = byClass(root, 'fit');
    expect(fits.map((f) => f.attrs['data-task'])).toEqual(['sin', 'cos']);
    expect(byClass(root, 'target')).toHaveLength(2);
    expect(byClass(root, 'cell')).toHaveLength(0);
    fits.forEach((f, k) => {
      const xs = pathPoints(f.attrs.d!).map(([x]) => x);
      expect(xs).toHaveLength(tasks[k]!.x.length);
      xs.slice(1).forEach((x, m) => expect(x).toBeGreaterThan(xs[m]!));
    });
    expect(byClass(root, 'train')).toHaveLength(2);
    // Drawn over the training data's x range widened by a quarter each side: train x ∈ [0.45, 0.55] → [0.425, 0.575] keeps x = 0.5 only.
    const narrow = parseSvg(plotResult({ ...run, regression: { tasks: [{ ...tasks[0]!, train: { x: [0.45, 0.55], y: [0.43, 0.52] } }] } }));
    expect(pathPoints(byClass(narrow, 'fit')[0]!.attrs.d!)).toHaveLength(1);
    expect(pathPoints(byClass(narrow, 'target')[0]!.attrs.d!)).toHaveLength(1);
    // MSE: sin ((0.02)² + 0.1² + 0.04²)/3 = 0.0040; cos (0.1² + 0.06²)/2 = 0.0068.
    expect(findAll(root, (e) => e.text.startsWith('sin: MSE'))[0]!.text).toBe('sin: MSE on the drawn grid 0.00400');
    expect(findAll(root, (e) => e.text.startsWith('cos: MSE'))[0]!.text).toBe('cos: MSE on the drawn grid 0.00680');
  });

  it("shows the run's mean and per-task test MSE, and refuses an MSE matrix without fits to draw", () => {
    const root = parseSvg(plotResult({ ...run, metric: 'mse', acc: 0.01234, accuracyMatrix: [[0.5, 9], [0.02, 0.00468]] }));
    expect(byClass(root, 'summary')[0]!.text).toBe('mean test MSE 0.0123 · time 2.0 s');
    expect(findAll(root, (e) => e.text.startsWith('sin: ') || e.text.startsWith('cos: ')).map((e) => e.text)).toEqual(['sin: test MSE 0.0200', 'cos: test MSE 0.00468']);
    expect(() => plotResult({ ...run, metric: 'mse', accuracyMatrix: [[0.5]] })).toThrow('result: accuracyMatrix[0] has 1 values, expected 2');
    const { regression: _, ...withoutFits } = { ...result(), metric: 'mse', regression: undefined };
    expect(() => plotResult(withoutFits)).toThrow("result: the matrix holds mse values, not accuracies, and there are no 'regression' fits to draw instead");
  });

  it('refuses a task whose fit and points differ in length', () => {
    expect(() => plotResult({ ...run, regression: { tasks: [{ ...tasks[1]!, fit: [1] }] } })).toThrow('result: regression.tasks[0].fit has 1 values, expected 2');
    expect(() => plotResult({ ...run, regression: { tasks: [] } })).toThrow('result: regression.tasks must be a non-empty array');
  });
});

describe('the SVG writer and the scales', () => {
  it('escapes the five XML specials and writes numbers compactly', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect([0.1 + 0.2, -0.001, 1e-7, 1234.5678, 3, -2.5].map(num)).toEqual(['0.3', '0', '0', '1234.57', '3', '-2.5']);
    expect(() => num(Number.NaN)).toThrow('svg: a coordinate must be a finite number, got NaN');
    const root = parseSvg(svgDocument(10, 20, 'a & b', [text(1, 2, '<x>', { class: 'c' })]));
    expect(root.children.map((c) => [c.name, c.text])).toEqual([['title', 'a & b'], ['rect', ''], ['text', '<x>']]);
  });

  it('ticks step by 1, 2 or 5 × 10ᵏ inside the range', () => {
    expect(ticks(0, 1, 4)).toEqual([0, 0.5, 1]);
    expect(ticks(-0.3, 2.2, 5)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(ticks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(ticks(0.013, 0.061, 4)).toEqual([0.02, 0.04, 0.06]);
    expect(ticks(0, 0.9, 9)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  });

  it('the checker itself rejects what a browser would', () => {
    for (const bad of ['<svg><g></svg>', '<svg a=1/>', '<svg a="1" a="2"/>', '<svg>a & b</svg>', '<svg/><svg/>', '<svg>', 'x<svg/>']) {
      expect(() => parseSvg(bad), bad).toThrow(SyntaxError);
    }
  });
});
