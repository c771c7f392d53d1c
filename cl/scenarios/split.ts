/**
 * Split MNIST and Split Fashion-MNIST (Zenke et al. 2017; the three settings of van de Ven & Tolias
 * 2019): the ten classes in consecutive groups of k (default 2: [0, 1], [2, 3], …, [8, 9]), one
 * experience per group, 10/k experiences. Labels as the model sees them, for a sample of class y in
 * group g (classes g·k … g·k + k − 1):
 *   'task':   y − g·k (local, 0..k−1); taskId g; one head of k outputs per group (10/k heads);
 *   'domain': y − g·k as well (the position within the group: "first or second digit?"); taskId 0;
 *             one shared head of k outputs;
 *   'class':  y (global, 0..9); taskId 0; one head of 10 outputs.
 *
 * Pixels are normalised (x − 0.1307)/0.3081 (Fashion-MNIST too, see DEFAULT_NORMALIZATION). The
 * whole split is uploaded once; each group's rows are picked out on the GPU (one gather with the
 * row indices, found on the host from the host labels), its labels built on the host.
 */
import { tensor } from '../../engine/index.js';
import { fashionMnist, mnist, type DatasetSplit, type ImageDataset } from '../../nn/data/datasets.js';
import { toDevice, TensorDataset } from '../../nn/data/loader.js';
import { checkSetting, experiencesFrom, loadOptions, makeScenario, range, type ScenarioLoadOptions } from './common.js';
import type { Scenario, Setting } from './experience.js';

const CLASSES = 10;

export interface SplitOptions extends ScenarioLoadOptions {
  setting: Setting;
  /** Classes per experience (default 2); must divide 10. */
  classesPerTask?: number;
}

/** Split MNIST: the digits in groups of classesPerTask. */
export function splitMnist(opts: SplitOptions): Promise<Scenario> {
  return split('splitMnist', 'split-mnist', mnist, opts);
}

/** Split Fashion-MNIST: the clothes in groups of classesPerTask (T-shirt/top and trouser first). */
export function splitFashionMnist(opts: SplitOptions): Promise<Scenario> {
  return split('splitFashionMnist', 'split-fashion-mnist', fashionMnist, opts);
}

async function split(op: string, name: string, load: typeof mnist, opts: SplitOptions): Promise<Scenario> {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`${op}: expected options {setting: 'task' | 'domain' | 'class', classesPerTask?}, got ${String(opts)}`);
  const setting = checkSetting(op, opts.setting);
  const k = opts.classesPerTask ?? 2;
  if (!Number.isInteger(k) || k < 1 || CLASSES % k !== 0) {
    throw new RangeError(`${op}: classesPerTask must divide the ${CLASSES} classes (1, 2, 5 or 10), got ${String(k)}`);
  }
  const groups = range(CLASSES / k).map((g) => range(k, g * k));
  const data: DatasetSplit = await load(loadOptions(opts));
  const train = toDevice(data.train);
  const test = toDevice(data.test);
  const label = (y: number) => (setting === 'class' ? y : y % k);
  const experiences = experiencesFrom([train, test], groups.length, (g) => ({
    index: g,
    taskId: setting === 'task' ? g : 0,
    name: `classes ${groups[g]!.join(', ')}`,
    classes: groups[g]!,
    train: select(train, data.train, groups[g]!, label),
    test: select(test, data.test, groups[g]!, label),
  }));
  const tasks = groups.length;
  return makeScenario({
    name,
    setting,
    inputShape: [...data.train.shape],
    outputs: setting === 'class' ? CLASSES : k,
    heads: setting === 'task' ? tasks : 1,
    experiences,
  });
}

/** The rows of `ds` whose host label is in `classes`, in dataset order, gathered on the GPU; labels mapped by `label`. */
function select(ds: TensorDataset, host: ImageDataset, classes: readonly number[], label: (y: number) => number): TensorDataset {
  const rows: number[] = [];
  host.labels.forEach((y, i) => { if (classes.includes(y)) rows.push(i); });
  const labels = Int32Array.from(rows, (i) => label(host.labels[i]!));
  const index = tensor(Int32Array.from(rows), [rows.length], { dtype: 'int32', device: ds.device });
  try {
    return new TensorDataset(ds.rows(index), tensor(labels, [rows.length], { dtype: 'int32', device: ds.device }));
  } finally {
    index.dispose();
  }
}
