/** The lines of text over a run's plot: what ran (scenario, setting, method, model, seed) and how it did (ACC, BWT, forgetting, time). */
import type { StrategyResult } from '../strategy/result.js';
import { percent, points } from './format.js';

/** `split-mnist (task) · ewc · mlp · seed 0`: the parts the config has. */
export function runTitle(r: { scenario: string; method: string; config?: Record<string, unknown> }): string {
  const c = r.config ?? {};
  const setting = (c.scenarioOptions as Record<string, unknown> | undefined)?.setting ?? c.setting;
  return [
    `${r.scenario}${setting === undefined ? '' : ` (${String(setting)})`}`, r.method,
    ...(c.model === undefined ? [] : [String(c.model)]), ...(c.seed === undefined ? [] : [`seed ${String(c.seed)}`]),
  ].join(' · ');
}

/** `ACC 97.6 % · BWT −0.6 pts · forgetting 0.8 pts · time 3.3 s` (SVG collapses runs of spaces, so dots separate). */
export function summaryLine(r: Pick<StrategyResult, 'acc' | 'bwt' | 'forgetting' | 'seconds'>): string {
  return `ACC ${percent(r.acc)} % · BWT ${points(r.bwt)} · forgetting ${points(r.forgetting)} · time ${r.seconds.toFixed(1)} s`;
}
