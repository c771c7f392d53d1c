/**
 * NumericsMonitor: finds the first NaN or ±∞ in a set of named tensors over many steps without a
 * readback per step (opt-in; cl.Strategy uses one by default, with checkNumerics).
 *
 *   const monitor = new NumericsMonitor(['loss', 'gradient of fc.weight', 'parameter fc.weight']);
 *   each step:       monitor.check(step, [loss, fc.weight.grad, fc.weight]);   // GPU work only
 *   now and then:    const { fault, value } = await monitor.read(loss);       // one small readback
 *
 * The monitor owns one u32 per label on the GPU (0xffffffff: clean). check() encodes one dispatch per
 * NON_FINITE_TENSORS tensors (kernels/non-finite-flags.wgsl.ts) that lowers a label's value to `step`
 * when its tensor holds a non-finite value; the value is thus the first step at which that tensor was
 * bad, however many steps pass before the host looks. read() reads the flags once and names the
 * least bad step and, among the labels bad at that step, the first in label order (so order labels as
 * the values are computed: loss, then gradients, then parameters after the update). read() can bring a
 * one-element tensor along (the loss a progress report shows): a GPU copy into a word after the flags,
 * so the report and the check share one readback.
 */
import { NON_FINITE_TENSORS, nonFiniteFlagsKernel, nonFiniteFlagsParams, nonFiniteWorkgroups } from '../kernels/non-finite-flags.wgsl.js';
import { grid1d } from '../kernels/spec.js';
import { checkFloat, checkTensor } from './check.js';
import { getDevice, type Device } from './device.js';
import { tensor } from './ops/creation.js';
import { keep } from './scope.js';
import type { Tensor } from './tensor.js';

/** The flag value of a label never seen bad. */
const CLEAN = 0xffffffff;

export interface NumericsFault {
  /** The first step (as passed to check()) at which a watched tensor held a NaN or ±∞. */
  step: number;
  /** Index and label of the first label, in label order, bad at that step. */
  index: number;
  label: string;
  /** Every label bad at that step, in label order (label is the first). */
  labels: string[];
}

export interface NumericsReading {
  /** The earliest fault recorded so far; null if every check was clean. */
  fault: NumericsFault | null;
  /** The value of read()'s `alongWith` tensor, if one was given. */
  value: number | null;
}

export class NumericsMonitor {
  readonly labels: readonly string[];
  /** One u32 per label, then one word for read()'s `alongWith` value. */
  private readonly flags: Tensor;
  private readonly perDispatch: number;

  constructor(labels: readonly string[], device: Device = getDevice()) {
    if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string')) {
      throw new TypeError(`NumericsMonitor: labels must be a non-empty array of strings, got ${JSON.stringify(labels)}`);
    }
    this.labels = [...labels];
    this.flags = keep(tensor(new Int32Array(labels.length + 1).fill(CLEAN | 0), [labels.length + 1], { dtype: 'int32', device }));
    this.perDispatch = Math.min(NON_FINITE_TENSORS, device.limits.maxStorageBuffersPerShaderStage - 1);
  }

  /**
   * Encodes the check of `tensors[i]` (watched under labels[i]; null: not this time, e.g. a parameter
   * without a gradient) at `step`, an integer in [0, 2³² − 2]. No readback, no allocation but the
   * dispatches' params.
   */
  check(step: number, tensors: readonly (Tensor | null)[]): void {
    if (!Number.isInteger(step) || step < 0 || step >= CLEAN) throw new RangeError(`NumericsMonitor.check: step must be an integer in [0, ${CLEAN - 1}], got ${step}`);
    if (tensors.length !== this.labels.length) throw new RangeError(`NumericsMonitor.check: expected ${this.labels.length} tensors (one per label, null to skip), got ${tensors.length}`);
    const watched: [Tensor, number][] = [];
    tensors.forEach((t, i) => {
      if (t === null) return;
      const arg = `tensors[${i}] (${this.labels[i]})`;
      checkFloat('NumericsMonitor.check', arg, checkTensor('NumericsMonitor.check', arg, t));
      if (t.device !== this.flags.device) throw new Error(`NumericsMonitor.check: ${arg} lives on another device than the monitor`);
      if (t.size > 0) watched.push([t, i]);
    });
    const device = this.flags.device;
    for (let start = 0; start < watched.length; start += this.perDispatch) {
      const group = watched.slice(start, start + this.perDispatch);
      const widths = group.map(([t]) => (t.size % 4 === 0 ? 4 : 1));
      const units = group.map(([t], j) => t.size / widths[j]!);
      const params = nonFiniteFlagsParams(units, group.map(([, i]) => i), step);
      const workgroups = units.reduce((a, b) => a + nonFiniteWorkgroups(b), 0);
      device.dispatch(nonFiniteFlagsKernel({ widths }), params, [this.flags.buffer, ...group.map(([t]) => t.buffer)], grid1d(workgroups, 1));
    }
  }

  /** The earliest fault recorded so far, and the value of the one-element float32 tensor `alongWith` if given: one readback. */
  async read(alongWith?: Tensor): Promise<NumericsReading> {
    const n = this.labels.length;
    const device = this.flags.device;
    if (alongWith !== undefined) {
      checkFloat('NumericsMonitor.read', 'alongWith', checkTensor('NumericsMonitor.read', 'alongWith', alongWith));
      if (alongWith.device !== device) throw new Error('NumericsMonitor.read: alongWith lives on another device than the monitor');
      if (alongWith.size !== 1) throw new RangeError(`NumericsMonitor.read: alongWith must have one element, got shape [${alongWith.shape.join(', ')}]`);
      device.batcher.copy(alongWith.buffer, 0, this.flags.buffer, 4 * n, 4);
    }
    const bytes = await device.read(this.flags.buffer, 4 * (n + 1));
    const steps = Array.from(new Uint32Array(bytes, 0, n));
    const value = alongWith === undefined ? null : new Float32Array(bytes, 4 * n, 1)[0]!;
    const step = Math.min(...steps);
    if (step === CLEAN) return { fault: null, value };
    const bad = steps.flatMap((s, i) => (s === step ? [i] : []));
    return { fault: { step, index: bad[0]!, label: this.labels[bad[0]!]!, labels: bad.map((i) => this.labels[i]!) }, value };
  }

  /** Frees the flags on the GPU. */
  dispose(): void {
    this.flags.dispose();
  }
}
