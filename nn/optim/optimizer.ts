/**
 * The loop shared by SGD, Adam and RMSprop. step() updates every parameter that has a gradient with
 * ONE fused kernel dispatch (the parameter and its state buffers in place): no readback, and no
 * allocation after a parameter's first step (its state buffers are allocated then, outside every
 * scope). For checkpoints, state() gives the state tensors, named '<parameter index>.<buffer>', and a
 * JSON record (type, hyperparameters, per-parameter step counts); loadState() restores them.
 */
import { OPTIMIZER_WORKGROUP, optimizerParams } from '../../kernels/optimizer-kernel.js';
import { grid1d, type KernelSpec } from '../../kernels/spec.js';
import { checkNumber, checkTensor, checkTensorList } from '../../engine/check.js';
import { keep } from '../../engine/scope.js';
import { formatShape } from '../../engine/shape.js';
import { emptyTensor, Tensor } from '../../engine/tensor.js';
import { assign, checkSameLayout, type TensorLike } from '../assign.js';

export type Hyper = Record<string, number | boolean>;

export interface OptimizerRecord {
  type: string;
  hyper: Hyper;
  /** Steps taken per parameter (0: no state yet). */
  steps: number[];
}

export interface OptimizerState {
  tensors: Record<string, Tensor>;
  record: OptimizerRecord;
}

/** The learning rate's rule: a finite number ≥ 0. */
export const LR_RULE = { min: 0 } as const;

function checkParams(type: string, params: Iterable<Tensor>): Tensor[] {
  const list = checkTensorList(type, 'params', params);
  if (list.length === 0) throw new RangeError(`${type}: got an empty parameter list`);
  list.forEach((p, i) => {
    checkTensor(type, `parameter ${i}`, p);
    if (p.dtype !== 'float32') throw new TypeError(`${type}: parameter ${i} must be float32, got ${p.dtype}`);
    if (list.indexOf(p) !== i) throw new RangeError(`${type}: parameter ${i} appears twice in the list (it would be updated twice per step)`);
  });
  return list;
}

export abstract class Optimizer {
  readonly params: readonly Tensor[];
  private readonly steps: number[];
  private readonly slots: (Tensor[] | null)[];

  private _lr: number;

  protected constructor(
    readonly type: string,
    params: Iterable<Tensor>,
    lr: number,
    private readonly kernel: KernelSpec,
    /** Names of the per-parameter state buffers, in the kernel's binding order. */
    private readonly stateNames: readonly string[],
  ) {
    this._lr = checkNumber(type, 'options.lr', lr, LR_RULE);
    this.params = checkParams(type, params);
    this.steps = this.params.map(() => 0);
    this.slots = this.params.map(() => null);
  }

  /** Learning rate; schedulers change it between steps. */
  get lr(): number {
    return this._lr;
  }

  set lr(v: number) {
    this._lr = checkNumber(this.type, 'lr', v, LR_RULE);
  }

  /** The kernel's f32 hyperparameters for a parameter's step number `step` (from 1). */
  protected abstract uniforms(step: number): number[];

  /** Hyperparameters, JSON-able (lr included). */
  abstract hyper(): Hyper;

  /** One update of every parameter that has a gradient (those without are skipped, as in PyTorch). */
  step(): void {
    this.params.forEach((p, i) => {
      const g = p.grad;
      if (!g || p.size === 0) return;
      if (g.size !== p.size) throw new RangeError(`${this.type}.step: parameter ${i} is ${formatShape(p.shape)} but its gradient is ${formatShape(g.shape)}`);
      const first = this.steps[i] === 0;
      const slot = this.slotOf(i);
      const step = ++this.steps[i]!;
      const params = optimizerParams(p.size, first, this.uniforms(step));
      p.device.dispatch(this.kernel, params, [p.buffer, g.buffer, ...slot.map((t) => t.buffer)], grid1d(p.size, OPTIMIZER_WORKGROUP));
      p.bumpVersion();
    });
  }

  private slotOf(i: number): Tensor[] {
    const p = this.params[i]!;
    return (this.slots[i] ??= this.stateNames.map(() => keep(emptyTensor(p.device, p.shape))));
  }

  /** Frees every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The state tensors (this optimizer's own: do not dispose them) and the JSON record. */
  state(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    this.slots.forEach((slot, i) => slot?.forEach((t, k) => { tensors[`${i}.${this.stateNames[k]}`] = t; }));
    return { tensors, record: { type: this.type, hyper: this.hyper(), steps: [...this.steps] } };
  }

  /**
   * Restores state() output (GPU tensors or host arrays, e.g. from nn.io.load). The optimizer must
   * have been built with the same type, parameter shapes and hyperparameters; lr is restored. Everything
   * is checked before anything changes.
   */
  loadState(state: { tensors: Record<string, TensorLike>; record: OptimizerRecord }): void {
    const { tensors, record } = state;
    const op = `${this.type}.loadState`;
    if (record?.type !== this.type) throw new TypeError(`${op}: the state is for ${record?.type ?? 'an unknown optimizer'}, not ${this.type}`);
    const steps = record.steps;
    if (!Array.isArray(steps) || steps.length !== this.params.length || !steps.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new RangeError(`${op}: the state has step counts ${JSON.stringify(steps)}, expected ${this.params.length} non-negative integers (one per parameter)`);
    }
    const mine = this.hyper();
    for (const [k, v] of Object.entries(mine)) {
      if (k !== 'lr' && record.hyper?.[k] !== v) {
        throw new RangeError(`${op}: ${k} is ${v} here but ${record.hyper?.[k]} in the state; build the optimizer with the saved hyperparameters`);
      }
    }
    const expected = new Set<string>();
    steps.forEach((s, i) => {
      if (s === 0) return;
      for (const name of this.stateNames) {
        const key = `${i}.${name}`;
        const src = tensors[key];
        if (!src) throw new RangeError(`${op}: missing state tensor '${key}'`);
        checkSameLayout(op, key, this.params[i]!, src);
        expected.add(key);
      }
    });
    const unexpected = Object.keys(tensors).filter((k) => !expected.has(k));
    if (unexpected.length) throw new RangeError(`${op}: unexpected state tensors: ${unexpected.join(', ')}`);

    this.lr = checkNumber(op, "the state's lr", record.hyper.lr, LR_RULE);
    steps.forEach((s, i) => {
      this.steps[i] = s;
      if (s === 0) {
        this.slots[i]?.forEach((t) => t.dispose());
        this.slots[i] = null;
      } else {
        this.slotOf(i).forEach((t, k) => assign(t, tensors[`${i}.${this.stateNames[k]}`]!));
      }
    });
  }

  /** Frees the state buffers (not the parameters). */
  dispose(): void {
    for (const slot of this.slots) slot?.forEach((t) => t.dispose());
    this.slots.fill(null);
    this.steps.fill(0);
  }
}
