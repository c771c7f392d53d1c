/**
 * compareResults / plotComparison: runs grouped by method (configs equal but for the seed), final
 * accuracy per experience and ACC as mean ± sample std against a hand computation, labels that tell
 * two settings of one method apart, clear errors naming the file for mismatched or malformed runs, and
 * the SVG's bars, whiskers and dots.
 *
 * Mutations tried, each caught: std over n instead of n − 1; the seed kept in the group key (each run its
 * own group); final accuracy read from the first row instead of the last; the scenario check skipped;
 * duplicates accepted; whiskers drawn for single runs; bars' heights from the first run instead of the mean;
 * the table's cell without ± std.
 */
import { describe, expect, it } from 'vitest';
import { compareResults, plotComparison, spread } from '../../cl/plots/index.js';
import type { StrategyResult } from '../../cl/strategy/result.js';
import { formatComparison } from '../../cli/compare.js';
import { byClass, parseSvg } from '../helpers/svg-parse.js';

/** A finished two-experience run whose last row is `last` (first row: what it was after experience 1). */
function run(method: string, seed: number, last: [number, number], methodOptions: Record<string, unknown> = {}): StrategyResult {
  const accuracyMatrix = [[0.99, 0.5], last];
  return {
    scenario: 'split-mnist', method, experiences: ['0-1', '2-3'], accuracyMatrix,
    config: { scenario: 'split-mnist', method, seed, epochs: 2, scenarioOptions: { setting: 'task' }, methodOptions },
    curves: accuracyMatrix.map((row) => row.map((v) => [v])), acc: (last[0] + last[1]) / 2, bwt: last[0] - 0.99, fwt: 0, forgetting: 0.99 - last[0],
    untrained: [0.5, 0.5], seconds: 1, timings: { train: 1, evaluation: 0, plugins: 0 },
  };
}

const runs = [
  { source: 'ewc0.json', result: run('ewc', 0, [0.9, 0.9], { lambda: 100 }) },
  { source: 'ewc1.json', result: run('ewc', 1, [0.94, 0.94], { lambda: 100 }) },
  { source: 'ewc2.json', result: run('ewc', 2, [0.95, 0.98], { lambda: 100 }) },
  { source: 'naive0.json', result: run('naive', 0, [0.8, 0.96]) },
];

describe('compareResults', () => {
  it('groups runs by method and gives mean ± sample std of final accuracies and ACC (hand computed)', () => {
    const c = compareResults(runs);
    expect(c.groups.map((g) => [g.label, g.sources, g.seeds])).toEqual([['ewc', ['ewc0.json', 'ewc1.json', 'ewc2.json'], [0, 1, 2]], ['naive', ['naive0.json'], [0]]]);
    const [ewc, naive] = c.groups;
    // Experience 0-1: 0.90, 0.94, 0.95 → mean 0.93, deviations −0.03, 0.01, 0.02 → std √(0.0014 / 2) = 0.0264575.
    expect(ewc!.final[0]!.mean).toBeCloseTo(0.93, 12);
    expect(ewc!.final[0]!.std).toBeCloseTo(Math.sqrt(0.0007), 12);
    // ACC: 0.90, 0.94, 0.965 → mean 0.935, deviations −0.035, 0.005, 0.03 → std √(0.00215 / 2) = 0.0327872.
    expect(ewc!.acc.mean).toBeCloseTo(0.935, 12);
    expect(ewc!.acc.std).toBeCloseTo(Math.sqrt(0.001075), 12);
    expect(naive!.acc).toEqual({ mean: 0.88, std: 0, values: [0.88] });
    expect(naive!.final.map((s) => s.mean)).toEqual([0.8, 0.96]);
  });

  it('prints the table with those numbers', () => {
    const table = formatComparison(compareResults(runs));
    expect(table).toContain('split-mnist (task): 2 method(s), 4 run(s)');
    expect(table).toMatch(/^ {2}0-1 +93\.0 ± 2\.6 +80\.0$/m);
    expect(table).toMatch(/^ {2}2-3 +94\.0 ± 4\.0 +96\.0$/m);
    expect(table).toMatch(/^ {2}ACC +93\.5 ± 3\.3 +88\.0$/m);
    expect(table).toMatch(/ewc \(3\) +naive \(1\)/);
  });

  it('labels two settings of one method by the option that differs', () => {
    const c = compareResults([runs[0]!, { source: 'ewc10.json', result: run('ewc', 0, [0.9, 0.9], { lambda: 10 }) }, runs[3]!]);
    expect(c.groups.map((g) => g.label)).toEqual(['ewc lambda=100', 'ewc lambda=10', 'naive']);
  });

  it('refuses runs of different scenarios, the same run twice, regression runs and malformed files, naming the file', () => {
    const other = { ...run('naive', 0, [0.9, 0.9]), scenario: 'permuted-mnist' };
    expect(() => compareResults([runs[0]!, { source: 'perm.json', result: other }])).toThrow(/^compare: perm\.json is a run of permuted-mnist .*, but ewc0\.json of split-mnist .*; compare runs of one scenario$/);
    const classIL = run('naive', 0, [0.9, 0.9]);
    classIL.config.scenarioOptions = { setting: 'class' };
    expect(() => compareResults([runs[0]!, { source: 'class.json', result: classIL }])).toThrow(/class\.json is a run of split-mnist \{"setting":"class"\}/);
    expect(() => compareResults([runs[0]!, { source: 'copy.json', result: runs[0]!.result }])).toThrow('compare: ewc0.json and copy.json are the same run (ewc, seed 0); give each run once');
    expect(() => compareResults([{ source: 'h.json', result: { scenario: 's', method: 'hnet', regression: { tasks: [{ name: 't', x: [0], target: [0], fit: [0] }] } } }])).toThrow('compare: h.json is a regression run');
    expect(() => compareResults([{ source: 'bad.json', result: { scenario: 's', method: 'm', experiences: ['a'] } }])).toThrow("compare: bad.json: 'accuracyMatrix' must be a non-empty array of rows");
    expect(() => compareResults([])).toThrow('compare: expected at least one result, got none');
    expect(() => spread([])).toThrow('spread: expected at least one value, got none');
  });
});

describe('plotComparison', () => {
  it('draws a bar per method and experience plus an ACC bar per method, at the mean, with whiskers and dots only for several runs', () => {
    const c = compareResults(runs);
    const root = parseSvg(plotComparison(c));
    expect(root.name).toBe('svg');
    const bars = byClass(root, 'bar');
    expect(bars.map((b) => `${b.attrs['data-series']}/${b.attrs['data-category']}`)).toEqual(['ewc/0-1', 'ewc/2-3', 'naive/0-1', 'naive/2-3', 'ewc/ACC', 'naive/ACC']);
    // Heights are proportional to the means: 0.93 : 0.94 : 0.80 : 0.96 within each panel (same height scale), ACC 0.935 : 0.88.
    const h = bars.map((b) => Number(b.attrs.height));
    const means = [0.93, 0.94, 0.8, 0.96, 0.935, 0.88];
    h.forEach((v, k) => expect(v / h[0]!).toBeCloseTo(means[k]! / means[0]!, 3));
    // …standing on the same baseline (y + height), both panels sharing the accuracy axis.
    bars.forEach((b) => expect(Number(b.attrs.y) + Number(b.attrs.height)).toBeCloseTo(Number(bars[0]!.attrs.y) + h[0]!, 1));
    expect(byClass(root, 'whisker')).toHaveLength(3); // ewc's two experiences and its ACC
    expect(byClass(root, 'run')).toHaveLength(9); // ewc's three runs, three times
    expect(plotComparison(runs)).toBe(plotComparison(c));
  });

  it('a legend of long labels wraps, and the bars start below its last row; the title counts methods and runs', () => {
    const long = ['diag', 'kfac', 'dense', 'none', 'blockdiag'].map((p, k) => ({ source: `${p}.json`, result: run('replay', k, [1, 1], { precondition: p, 'precondition-fisher': 'sampled', buffer: 1000 }) }));
    const root = parseSvg(plotComparison(long));
    const texts = byClass(root, 'title');
    expect(texts[0]!.text).toBe('split-mnist (task): 5 methods, 5 runs');
    const swatches = root.children.filter((e) => e.name === 'rect' && e.attrs.width === '10');
    const rows = new Set(swatches.map((e) => e.attrs.y));
    expect(rows.size).toBeGreaterThan(1);
    const lastRow = Math.max(...swatches.map((e) => Number(e.attrs.y) + 10));
    for (const b of byClass(root, 'bar')) expect(Number(b.attrs.y)).toBeGreaterThan(lastRow);
  });
});
