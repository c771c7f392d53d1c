/**
 * What Strategy.run needs of a scenario, checked before anything is evaluated or trained: a list of
 * experiences, each with a training and a test set on the GPU (nn.TensorDataset), and the same of the
 * evaluation experiences (test sets); each task id selects a head of every nn.MultiHead of the model.
 * A slip (an experience without a test set, one task too many) is then an error naming the
 * experience, not a crash or an error halfway through the run.
 */
import { describe } from '../../engine/check.js';
import { TensorDataset } from '../../nn/data/loader.js';
import { MultiHead } from '../../nn/layers/multi-head.js';
import type { Module } from '../../nn/module.js';
import type { Experience, Scenario } from '../scenarios/experience.js';

export function checkScenario(op: string, scenario: unknown, model: Module): Scenario {
  const s = scenario as Partial<Scenario> | null;
  if (!s || typeof s !== 'object' || !Array.isArray(s.experiences)) {
    throw new TypeError(`${op}: scenario must be a cl scenario { name, setting, experiences, ... }, got ${describe(scenario)}`);
  }
  if (!s.experiences.length) throw new RangeError(`${op}: scenario ${s.name} has no experience`);
  const sets = (list: readonly Experience[], parts: readonly ('train' | 'test')[], what: string) => list.forEach((e, i) => {
    for (const part of parts) {
      const d = (e as Partial<Experience> | undefined)?.[part];
      if (!(d instanceof TensorDataset)) throw new TypeError(`${op}: ${what} ${i}${e?.name ? ` (${e.name})` : ''}'s ${part} set must be an nn.TensorDataset, got ${describe(d)}`);
    }
  });
  sets(s.experiences, ['train', 'test'], 'experience');
  if (s.evaluation) sets(s.evaluation, ['test'], 'evaluation experience');
  for (const head of model.modules().filter((m): m is MultiHead => m instanceof MultiHead)) {
    const n = head.heads.length;
    for (const e of [...s.experiences, ...(s.evaluation ?? [])]) {
      if (!e.mixedTasks && !(Number.isInteger(e.taskId) && e.taskId >= 0 && e.taskId < n)) {
        throw new RangeError(`${op}: experience ${e.index} (${e.name}) has task id ${String(e.taskId)}, but the model's nn.MultiHead has ${n} heads (task ids 0..${n - 1})`);
      }
    }
  }
  return s as Scenario;
}
