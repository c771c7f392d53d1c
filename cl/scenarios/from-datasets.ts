/**
 * A scenario from your own data: one entry per experience, each a training and a test set, either on
 * the host (ImageDataset, e.g. from fromIdx() or classSubset()) or already on the GPU (TensorDataset).
 *
 * Labels are taken as the model should see them (local 0..k−1 in 'task', shared in 'domain', global
 * in 'class') and checked against `outputs` once, here: on the host for an ImageDataset, by reading a
 * TensorDataset's labels back once. Defaults: outputs = 1 + the largest label of any experience;
 * taskId = the experience's index in 'task' (0 otherwise); heads = 1 + the largest taskId in 'task'
 * (1 otherwise); classes = the distinct labels of the experience.
 *
 * Ownership: an ImageDataset is uploaded here and freed by the scenario's dispose(); a TensorDataset
 * you pass stays yours (the experience holds that same object) and dispose() leaves it alone.
 */
import type { ImageDataset } from '../../nn/data/datasets.js';
import { toDevice, TensorDataset } from '../../nn/data/loader.js';
import { checkSetting } from './common.js';
import type { Experience, Scenario, Setting } from './experience.js';

export interface ExperienceData {
  train: TensorDataset | ImageDataset;
  test: TensorDataset | ImageDataset;
  /** Default `experience <index>`. */
  name?: string;
  /** Default: the index in 'task', 0 otherwise. */
  taskId?: number;
  /** Default: the distinct labels of train and test, ascending. */
  classes?: readonly number[];
}

export interface FromDatasetsOptions {
  setting: Setting;
  /** Outputs of a head; every label must be in [0, outputs). Default 1 + the largest label. */
  outputs?: number;
  /** Heads ('task' only; default 1 + the largest taskId). */
  heads?: number;
  /** The scenario's name (default 'custom'). */
  name?: string;
}

const OP = 'fromDatasets';

function isImageDataset(d: unknown): d is ImageDataset {
  const v = d as Partial<ImageDataset> | null;
  return !!v && v.images instanceof Float32Array && v.labels instanceof Int32Array && typeof v.n === 'number' && Array.isArray(v.shape);
}

/** One sample's shape. */
function sampleShape(d: TensorDataset | ImageDataset): number[] {
  if (d instanceof TensorDataset) return d.packed ? [...d.packed.shape] : d.x.shape.slice(1);
  return [...d.shape];
}

function checkCount(what: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`${OP}: ${what} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

export async function fromDatasets(list: readonly ExperienceData[], opts: FromDatasetsOptions): Promise<Scenario> {
  if (!Array.isArray(list) || list.length === 0) throw new RangeError(`${OP}: list must hold at least one experience ({train, test}), got ${Array.isArray(list) ? 'an empty list' : String(list)}`);
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`${OP}: expected options {setting: 'task' | 'domain' | 'class', outputs?, heads?}, got ${String(opts)}`);
  const setting = checkSetting(OP, opts.setting);
  const label = (i: number) => `experience ${i}${list[i]?.name ? ` ('${list[i]!.name}')` : ''}`;

  // Everything is checked on the host before anything is uploaded.
  let inputShape: number[] | undefined;
  const labels: { train: Int32Array; test: Int32Array }[] = [];
  for (const [i, e] of list.entries()) {
    if (typeof e !== 'object' || e === null) throw new TypeError(`${OP}: ${label(i)} must be {train, test, name?, taskId?, classes?}, got ${String(e)}`);
    const sets = {} as { train: Int32Array; test: Int32Array };
    for (const part of ['train', 'test'] as const) {
      const d = e[part];
      if (!(d instanceof TensorDataset) && !isImageDataset(d)) {
        throw new TypeError(`${OP}: ${label(i)}'s ${part} must be a TensorDataset or an ImageDataset ({images, labels, n, shape, numClasses}), got ${d === null ? 'null' : typeof d}`);
      }
      if (d.n === 0) throw new RangeError(`${OP}: ${label(i)} has an empty ${part} set`);
      const shape = sampleShape(d);
      inputShape ??= shape;
      if (shape.length !== inputShape.length || shape.some((v, k) => v !== inputShape![k])) {
        throw new RangeError(`${OP}: ${label(i)}'s ${part} samples are [${shape.join(', ')}], experience 0's train samples [${inputShape.join(', ')}]: every experience needs the same input shape`);
      }
      sets[part] = d instanceof TensorDataset ? (await d.y.toArray()) as Int32Array : d.labels;
      if (sets[part].length !== d.n) throw new RangeError(`${OP}: ${label(i)}'s ${part} set has ${d.n} samples but ${sets[part].length} labels`);
    }
    labels.push(sets);
  }

  const maxLabel = Math.max(...labels.map((l) => Math.max(maxOf(l.train), maxOf(l.test))));
  const outputs = opts.outputs === undefined ? maxLabel + 1 : checkCount('outputs', opts.outputs, 1);
  // One class leaves a classifier nothing to learn: its cross-entropy is 0 whatever the weights.
  if (outputs < 2) throw new RangeError(`${OP}: outputs must be at least 2 classes, got ${outputs} (${opts.outputs === undefined ? 'every label is 0' : 'as given'})`);
  labels.forEach((l, i) => {
    for (const part of ['train', 'test'] as const) {
      const bad = l[part].findIndex((y) => y < 0 || y >= outputs);
      if (bad >= 0) {
        throw new RangeError(`${OP}: ${label(i)}'s ${part} label ${bad} is ${l[part][bad]}, outside [0, ${outputs}) (outputs ${opts.outputs === undefined ? 'from the largest label' : 'as given'})`);
      }
    }
  });

  const taskIds = list.map((e, i) => {
    if (e.taskId === undefined) return setting === 'task' ? i : 0;
    const t = checkCount(`${label(i)}'s taskId`, e.taskId, 0);
    if (setting !== 'task' && t !== 0) throw new RangeError(`${OP}: ${label(i)}'s taskId is ${t}, but in the '${setting}' setting the task id is not given to the model: leave it out (0)`);
    return t;
  });
  const heads = setting === 'task' ? (opts.heads === undefined ? Math.max(...taskIds) + 1 : checkCount('heads', opts.heads, 1)) : 1;
  if (setting !== 'task' && opts.heads !== undefined && opts.heads !== 1) {
    throw new RangeError(`${OP}: heads is ${String(opts.heads)}, but the '${setting}' setting has one shared head`);
  }
  taskIds.forEach((t, i) => {
    if (t >= heads) throw new RangeError(`${OP}: ${label(i)}'s taskId is ${t}, outside [0, ${heads}) (heads = ${heads})`);
  });
  const classes = list.map((e, i) => {
    if (e.classes === undefined) return [...new Set([...labels[i]!.train, ...labels[i]!.test])].sort((a, b) => a - b);
    if (!Array.isArray(e.classes) || !e.classes.every((c: unknown) => Number.isInteger(c))) throw new TypeError(`${OP}: ${label(i)}'s classes must be a list of integers`);
    return [...e.classes];
  });

  const uploaded: TensorDataset[] = [];
  const onDevice = (d: TensorDataset | ImageDataset): TensorDataset => {
    if (d instanceof TensorDataset) return d;
    const t = toDevice(d);
    uploaded.push(t);
    return t;
  };
  let experiences: Experience[];
  try {
    experiences = list.map((e, i) => ({
      index: i,
      taskId: taskIds[i]!,
      name: e.name ?? `experience ${i}`,
      classes: classes[i]!,
      train: onDevice(e.train),
      test: onDevice(e.test),
    }));
  } catch (err) {
    uploaded.forEach((d) => d.dispose());
    throw err;
  }
  let disposed = false;
  return {
    name: opts.name ?? 'custom',
    setting,
    inputShape: inputShape!,
    outputs,
    heads,
    experiences,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      uploaded.forEach((d) => d.dispose());
    },
  };
}

function maxOf(a: Int32Array): number {
  let m = -Infinity;
  for (const v of a) if (v > m) m = v;
  return m;
}
