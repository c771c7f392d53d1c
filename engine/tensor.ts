/**
 * A Tensor is a contiguous array on a GPU buffer: a shape, a dtype (float32, or int32 for indices
 * and labels), and a Storage shared with its reshaped views. When tracked by autograd it also holds
 * the GradNode that produced it. Tensors made inside tidy() belong to that scope.
 */
import { backward as runBackward, dropUses, freedNode, type BackwardOptions, type GradNode } from './autograd.js';
import type { Device } from './device.js';
import { DisposedError } from './errors.js';
import { trackTensor, untrackTensor } from './scope.js';
import { formatShape, sizeOf } from './shape.js';

export type DType = 'float32' | 'int32';

/**
 * A GPU buffer shared by a tensor and its views; freed when the last one is disposed. `version`
 * counts writes into the existing buffer (PyTorch's _version): assign(), gemmInto(), optimizer and
 * gradient-projection steps bump it, so state derived from the contents can tell it went stale.
 */
export class Storage {
  refs = 1;
  version = 0;
  constructor(readonly device: Device, readonly buffer: GPUBuffer) {}
}

let nextId = 0;

export class Tensor {
  readonly id = nextId++;
  readonly size: number;
  /** Gradient accumulated by backward() (leaves with requiresGrad). */
  grad: Tensor | null = null;
  /** How this tensor was computed (a freed marker once backward() has swept it; null for leaves). */
  node: GradNode | null = null;
  /** Live graph nodes that read this tensor (as an input or saved); see autograd.ts. */
  graphUses = 0;
  /** No scope or caller owns it any more: the graph disposes it when graphUses drops to 0. */
  graphOwned = false;
  private _requiresGrad = false;
  private storage: Storage | null;

  constructor(storage: Storage, readonly shape: readonly number[], readonly dtype: DType = 'float32') {
    this.storage = storage;
    this.size = sizeOf(shape);
    storage.device.liveTensors++;
    trackTensor(this);
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(v: boolean) {
    if (v && this.dtype !== 'float32') throw new TypeError(`requiresGrad: only float32 tensors can require gradients, this one is ${this.dtype}`);
    this._requiresGrad = v;
  }

  /** Marks a leaf as trainable (PyTorch's requires_grad_()); returns this. */
  requiresGrad_(v = true): this {
    this.requiresGrad = v;
    return this;
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this.storage === null;
  }

  get device(): Device {
    return this.live('device').device;
  }

  /** The GPU buffer (may be larger than size·4 bytes: pooled buffers round up). */
  get buffer(): GPUBuffer {
    return this.live('buffer').buffer;
  }

  /** Writes into this tensor's existing buffer so far (shared with its views; see Storage). */
  get version(): number {
    return this.live('version').version;
  }

  /** Records a write into the existing buffer (called by the ops that write in place). */
  bumpVersion(): void {
    this.live('bumpVersion').version++;
  }

  /** Shares this tensor's storage under another shape (same size); used by reshape. */
  view(shape: readonly number[]): Tensor {
    const s = this.live('view');
    s.refs++;
    return new Tensor(s, shape, this.dtype);
  }

  private live(what: string): Storage {
    if (!this.storage) throw new DisposedError(`${what} of tensor ${formatShape(this.shape)}`);
    return this.storage;
  }

  /** Frees the GPU memory (when no view shares it). Safe to call twice. */
  dispose(): void {
    const s = this.storage;
    if (!s) return;
    this.storage = null;
    const node = this.node;
    // A computed tensor stays one (a marker naming its op), so that backward never takes it for a leaf.
    this.node = node && (node.freed ? node : freedNode(node.op));
    s.device.liveTensors--;
    untrackTensor(this);
    if (--s.refs === 0) s.device.release(s.buffer);
    if (this.grad) { this.grad.dispose(); this.grad = null; }
    if (node && !node.freed) dropUses(node);
  }

  /** Copies the data to the host. */
  async toArray(): Promise<Float32Array | Int32Array> {
    const s = this.live('toArray');
    const bytes = await s.device.read(s.buffer, this.size * 4);
    return this.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
  }

  /** Copies the data to the host as float32 (int32 values converted). */
  async data(): Promise<Float32Array> {
    const a = await this.toArray();
    return a instanceof Float32Array ? a : Float32Array.from(a);
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new RangeError(`item: tensor has ${this.size} elements (shape ${formatShape(this.shape)}), expected 1`);
    return (await this.toArray())[0]!;
  }

  /**
   * Reverse-mode differentiation from this tensor: accumulates d(this)/d(leaf) into leaf.grad for
   * every leaf with requiresGrad, then frees the graph (a second backward through it throws unless
   * this one had `retainGraph: true`). `grad` defaults to 1 for a one-element tensor.
   */
  backward(grad?: Tensor | BackwardOptions, opts?: BackwardOptions): void {
    if (grad instanceof Tensor || grad === undefined) runBackward(this, grad, opts);
    else if (typeof grad === 'object' && grad !== null) runBackward(this, undefined, grad);
    else throw new TypeError(`backward: expected a gradient Tensor or options { retainGraph }, got ${grad === null ? 'null' : typeof grad}`);
  }

  /** The same values without the graph: a view that does not require gradients (PyTorch's detach()). */
  detach(): Tensor {
    return this.view(this.shape);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''}${this.disposed ? ', disposed' : ''})`;
  }
}

/** Wraps a fresh buffer in a tensor of `shape` (`forUpload`: to be written from the host; see Device.allocate). */
export function emptyTensor(device: Device, shape: readonly number[], dtype: DType = 'float32', forUpload = false): Tensor {
  const n = sizeOf(shape);
  return new Tensor(new Storage(device, device.allocate(Math.max(1, n) * 4, forUpload)), shape, dtype);
}
