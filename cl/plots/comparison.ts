/**
 * Several runs of one scenario, grouped by method: runs whose configs differ only in the seed are
 * one group, summarised as mean ± std over its runs (std with n − 1, the sample standard deviation;
 * 0 for a single run) of each experience's final accuracy and of ACC. What `webgpu-cl compare` prints
 * and plots.
 */
import type { StrategyResult } from '../strategy/result.js';
import { checkResult, isRegressionRun } from './result-shape.js';

export interface Spread { mean: number; std: number; values: number[] }

export interface MethodGroup {
  /** The method, with the options that tell it apart from other groups of the same method: `ewc lambda=100`. */
  label: string;
  sources: string[];
  seeds: unknown[];
  /** Final accuracy (last row of the matrix) per experience. */
  final: Spread[];
  acc: Spread;
}

export interface Comparison { scenario: string; setting: unknown; experiences: string[]; groups: MethodGroup[] }

/** Mean and sample standard deviation (n − 1) of a non-empty list. */
export function spread(values: readonly number[]): Spread {
  if (!values.length) throw new RangeError('spread: expected at least one value, got none');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std, values: [...values] };
}

/** Every config entry but the seed, flattened: { method: 'ewc', 'methodOptions.lambda': 100, … }. */
function settings(config: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === 'seed') continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v)) out[`${k}.${k2}`] = JSON.stringify(v2);
    else out[k] = JSON.stringify(v);
  }
  return out;
}

const keyOf = (s: Record<string, string>) => JSON.stringify(Object.entries(s).sort(([a], [b]) => a.localeCompare(b)));

/** Labels: the method's name, plus `name=value` for each setting that differs between groups of that method. */
function labels(groups: { method: string; settings: Record<string, string> }[]): string[] {
  return groups.map((g) => {
    const same = groups.filter((o) => o.method === g.method);
    const differing = Object.keys(g.settings).filter((k) => same.some((o) => o.settings[k] !== g.settings[k]));
    return [g.method, ...differing.map((k) => `${k.replace(/^(methodOptions|scenarioOptions)\./, '')}=${(g.settings[k] ?? 'default').replace(/^"(.*)"$/, '$1')}`)].join(' ');
  });
}

/** Groups the runs (each checked, named by its source) and summarises them; runs of different scenarios, settings or experiences are an error. */
export function compareResults(runs: readonly { source: string; result: unknown }[]): Comparison {
  if (!runs.length) throw new RangeError('compare: expected at least one result, got none');
  const checked = runs.map(({ source, result }) => {
    const r = checkResult(result, `compare: ${source}`);
    if (isRegressionRun(r)) throw new TypeError(`compare: ${source} is a regression run; compare reads accuracy runs (accuracyMatrix)`);
    return { source, r };
  });
  const first = checked[0]!;
  const scenarioOf = (r: StrategyResult) => `${r.scenario} ${JSON.stringify(r.config.scenarioOptions ?? {})} experiences ${r.experiences.join(', ')}`;
  for (const { source, r } of checked.slice(1)) {
    if (scenarioOf(r) !== scenarioOf(first.r)) {
      throw new RangeError(`compare: ${source} is a run of ${scenarioOf(r)}, but ${first.source} of ${scenarioOf(first.r)}; compare runs of one scenario`);
    }
  }
  const byKey = new Map<string, { method: string; settings: Record<string, string>; runs: typeof checked }>();
  for (const c of checked) {
    const s = settings({ method: c.r.method, ...c.r.config });
    const g = byKey.get(keyOf(s)) ?? { method: c.r.method, settings: s, runs: [] };
    const twin = g.runs.find((o) => JSON.stringify(o.r.config.seed) === JSON.stringify(c.r.config.seed));
    if (twin) throw new RangeError(`compare: ${twin.source} and ${c.source} are the same run (${c.r.method}, seed ${String(c.r.config.seed)}); give each run once`);
    g.runs.push(c);
    byKey.set(keyOf(s), g);
  }
  const groups = [...byKey.values()];
  const names = labels(groups);
  return {
    scenario: first.r.scenario,
    setting: (first.r.config.scenarioOptions as Record<string, unknown> | undefined)?.setting,
    experiences: first.r.experiences,
    groups: groups.map((g, k) => ({
      label: names[k]!,
      sources: g.runs.map((c) => c.source),
      seeds: g.runs.map((c) => c.r.config.seed),
      final: first.r.experiences.map((_, j) => spread(g.runs.map((c) => c.r.accuracyMatrix[c.r.accuracyMatrix.length - 1]![j]!))),
      acc: spread(g.runs.map((c) => c.r.acc)),
    })),
  };
}
