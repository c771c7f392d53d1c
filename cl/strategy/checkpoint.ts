/**
 * Strategy checkpoints, in the state-file format of nn.io (format.ts): everything a run needs to go on
 * exactly where it stopped, after the last finished experience —
 *   tensors  'model/<name>'       the model's state dict
 *            'optimizer/<name>'   the optimizer's state (moments, when it is kept across experiences)
 *            'plugin/<i>/<name>'  each plugin's tensors
 *   meta     { format, version, config, method, completed, matrix, curves, untrained, seconds,
 *              timings, rng (the default generator's state), optimizer record, plugins [{ name, record }],
 *              reports (the plugins' reports per experience),
 *              unlearning (Strategy.unlearn's records: later evaluations skip those experiences) }
 * The meta is JSON, where NaN (an experience not evaluated because it was unlearned) becomes null;
 * restoring turns it back into NaN.
 * A foreign, truncated or corrupt buffer fails in decode(); a checkpoint of another version, for
 * another model or with other plugins is an error that says which.
 */
import { DeviceLostError } from '../../engine/errors.js';
import { defaultGenerator } from '../../engine/random.js';
import type { Decoded, HostTensor } from '../../nn/io/format.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Strategy } from './strategy.js';
import type { StrategyTimings, UnlearningRecord } from './result.js';

export const CHECKPOINT_FORMAT = 'webgpu-cl strategy checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointMeta {
  format: string;
  version: number;
  config: Record<string, unknown>;
  method: string;
  completed: number;
  matrix: number[][];
  curves: number[][][];
  untrained: number[] | null;
  seconds: number;
  timings: StrategyTimings;
  rng: number[];
  optimizer: unknown;
  plugins: { name: string; record: unknown }[];
  reports?: Record<string, unknown[]>;
  unlearning?: UnlearningRecord[];
}

/** The strategy's state: its tensors (its own: do not dispose them) and the meta record. */
export function checkpointContents(s: Strategy): { tensors: Record<string, Tensor>; meta: CheckpointMeta } {
  const { tensors, optimizer, plugins, rng } = weightsOf(s, !s.freshOptimizer);
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, config: s.config, method: s.method,
    completed: s.completed, matrix: s.matrix, curves: s.curves, untrained: s.untrained, seconds: s.seconds,
    timings: s.timings, rng, optimizer, plugins,
    reports: s.reports,
    unlearning: s.unlearning,
  };
  return { tensors, meta };
}

/** What the model, optimizer, plugins and random generator hold now: tensors 'model/…', 'optimizer/…', 'plugin/<i>/…' and their records. */
export interface Weights {
  tensors: Record<string, Tensor>;
  /** The optimizer's record (null: its state is not included). */
  optimizer: unknown;
  plugins: { name: string; record: unknown }[];
  rng: number[];
}

/** The strategy's weights, with the optimizer's state when `withOptimizer` (and the optimizer has state()). */
export function weightsOf(s: Strategy, withOptimizer: boolean): Weights {
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(s.model.stateDict())) tensors[`model/${k}`] = t;
  const opt = withOptimizer ? s.optimizer.state?.() ?? null : null;
  for (const [k, t] of Object.entries(opt?.tensors ?? {})) tensors[`optimizer/${k}`] = t;
  const plugins = s.plugins.map((p, i) => {
    const st = p.state?.();
    for (const [k, t] of Object.entries(st?.tensors ?? {})) tensors[`plugin/${i}/${k}`] = t;
    return { name: p.name, record: st?.record ?? null };
  });
  return { tensors, optimizer: opt?.record ?? null, plugins, rng: defaultGenerator().getState() };
}

/** Reads a checkpoint's meta, checking that it is one (of this version). */
export function checkpointMeta(decoded: Decoded, where: string): CheckpointMeta {
  const meta = decoded.meta as Partial<CheckpointMeta> | null;
  if (meta?.format !== CHECKPOINT_FORMAT) throw new TypeError(`${where}: not a strategy checkpoint (a state file without the '${CHECKPOINT_FORMAT}' record; nn.io.save files hold weights only)`);
  if (meta.version !== CHECKPOINT_VERSION) throw new RangeError(`${where}: checkpoint version ${meta.version} is not supported (this library reads version ${CHECKPOINT_VERSION})`);
  return meta as CheckpointMeta;
}

/** Tensors under `prefix/`, with the prefix taken off. */
export function under(tensors: Record<string, HostTensor>, prefix: string): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [k, t] of Object.entries(tensors)) if (k.startsWith(`${prefix}/`)) out[k.slice(prefix.length + 1)] = t;
  return out;
}

/** Puts a decoded checkpoint into a strategy built with the same model, optimizer and plugins. */
export function restoreCheckpoint(s: Strategy, decoded: Decoded, where: string): void {
  const meta = checkpointMeta(decoded, where);
  restoreWeights(s, decoded.tensors, meta, where);
  s.matrix = meta.matrix.map(revive);
  s.reports = structuredClone(meta.reports ?? {});
  s.unlearning = (meta.unlearning ?? []).map((u) => ({ ...u, before: revive(u.before), after: revive(u.after) }));
  s.curves = meta.curves;
  s.untrained = meta.untrained;
  s.completed = meta.completed;
  s.seconds = meta.seconds;
  s.timings = { ...meta.timings };
}

/** Puts weightsOf()'s tensors and records (read back from a file) into the model, optimizer, plugins and random generator. */
export function restoreWeights(s: Strategy, tensors: Record<string, HostTensor>, w: Omit<Weights, 'tensors'>, where: string): void {
  const names = s.plugins.map((p) => p.name);
  const saved = w.plugins.map((p) => p.name);
  if (names.join() !== saved.join()) {
    throw new RangeError(`${where}: the checkpoint was saved with plugins [${saved.join(', ')}], this strategy has [${names.join(', ')}]`);
  }
  try {
    s.model.loadStateDict(under(tensors, 'model'));
  } catch (e) {
    // A model built on a device that was lost since: it must be built again on the new device.
    if (e instanceof DeviceLostError) throw new DeviceLostError(e.reason, `${where}: the model was built on the lost device; build it (and its scenario and plugins) again after initDevice()`);
    throw new RangeError(`${where}: the checkpoint was saved for another model: ${(e as Error).message}`);
  }
  if (w.optimizer !== null) {
    const opt = s.optimizer;
    if (!opt.loadState) throw new TypeError(`${where}: the checkpoint holds optimizer state, but this optimizer has no loadState()`);
    opt.loadState({ tensors: under(tensors, 'optimizer'), record: w.optimizer });
  }
  s.plugins.forEach((p, i) => {
    const record = w.plugins[i]!.record;
    const own = under(tensors, `plugin/${i}`);
    if (p.loadState) p.loadState({ tensors: own, record });
    else if (record !== null || Object.keys(own).length) throw new TypeError(`${where}: plugin ${p.name} has saved state but no loadState()`);
  });
  defaultGenerator().setState(w.rng);
}

/** A row read from JSON: null (NaN when written) back to NaN. */
function revive(row: readonly (number | null)[]): number[] {
  return row.map((v) => v ?? Number.NaN);
}
