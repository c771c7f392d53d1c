/** n rows of a dataset drawn without replacement (the first n of a seeded permutation), as a dataset of their own. */
import { gather, tensor, tidy, type Generator } from '../../engine/index.js';
import { TensorDataset } from '../../nn/data/loader.js';

export function sampleRows(data: TensorDataset, n: number, g: Generator): TensorDataset {
  return tidy(() => {
    const ids = tensor(g.permutation(data.n).subarray(0, n), [n], { dtype: 'int32', device: data.device });
    return new TensorDataset(data.rows(ids), gather(data.y, ids, 0));
  });
}
