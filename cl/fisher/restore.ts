/** fromState(state): a Fisher matrix again from what its state() gave (a checkpoint's tensors and record). */
import { BlockFisher } from './blocks.js';
import { DiagFisher } from './diag.js';
import { REPRESENTATIONS, type FisherMatrix, type FisherRecord, type LoadableFisherState } from './fisher-matrix.js';
import { KFACFisher } from './kfac.js';
import { Layout } from './layout.js';

export function fromState(state: LoadableFisherState): FisherMatrix {
  const record = state?.record as Partial<FisherRecord> | undefined;
  const representation = record?.representation;
  if (!representation || !REPRESENTATIONS.includes(representation)) {
    throw new TypeError(`cl.fisher.fromState: the record names no representation (${REPRESENTATIONS.join(', ')}), got ${JSON.stringify(representation)}`);
  }
  if (!Array.isArray(record.layout)) throw new TypeError('cl.fisher.fromState: the record has no layout');
  const layout = new Layout(record.layout);
  const empty = representation === 'diag' ? new DiagFisher(layout, []) : representation === 'kfac' ? new KFACFisher(layout, []) : new BlockFisher(layout, representation, []);
  empty.loadState(state);
  return empty;
}
