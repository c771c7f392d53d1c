/**
 * The joint view of a scenario: one experience holding every experience's training (and test) data,
 * evaluated on the original experiences. In the 'task' setting its labels become taskId·k + label
 * (k outputs per head, Experience.mixedTasks), so that the loop scores each sample with its own head.
 */
import { concat, tensor, tidy } from '../../engine/index.js';
import { TensorDataset } from '../../nn/data/loader.js';
import type { Experience, Scenario } from './experience.js';

async function joined(sets: readonly TensorDataset[], labelOffsets: readonly number[]): Promise<TensorDataset> {
  const labels = await Promise.all(sets.map((d) => d.y.toArray()));
  const y = Int32Array.from(labels.flatMap((l, i) => Array.from(l, (v) => v + labelOffsets[i]!)));
  const x = tidy(() => concat(sets.map((d) => d.x), 0));
  return new TensorDataset(x, tensor(y, [y.length], { dtype: 'int32' }));
}

export async function jointScenario(scenario: Scenario): Promise<Scenario> {
  const exps = scenario.experiences;
  if (!exps.length) throw new RangeError(`jointScenario: scenario ${scenario.name} has no experience`);
  const task = scenario.setting === 'task';
  const offsets = exps.map((e) => (task ? e.taskId * scenario.outputs : 0));
  const train = await joined(exps.map((e) => e.train), offsets);
  const test = await joined(exps.map((e) => e.test), offsets);
  const all: Experience = {
    index: 0, taskId: 0, name: 'joint', classes: [...new Set(exps.flatMap((e) => e.classes))], train, test,
    ...(task ? { mixedTasks: scenario.outputs } : {}),
  };
  return {
    name: scenario.name, setting: scenario.setting, inputShape: scenario.inputShape, outputs: scenario.outputs, heads: scenario.heads,
    experiences: [all], evaluation: exps,
    dispose: () => { train.dispose(); test.dispose(); scenario.dispose(); },
  };
}
