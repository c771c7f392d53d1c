/**
 * Deferred submission. Ops encode their dispatch into one open compute pass; the batch is submitted
 * when a result is read or after `maxDispatches` dispatches. Shape parameters of every dispatch in
 * the batch live in one uniform buffer (256-byte slots) written once per submit, so an op costs one
 * bind group and one dispatch record: no buffer creation, no queue write, no submit.
 *
 * Buffers released while a batch is open may still be read by it: they go back to the pool only
 * after the submit (queue order then makes any later write or reuse safe).
 */
import type { BufferPool } from './buffer-pool.js';
import type { CompiledKernel } from './pipeline-cache.js';

export const UNIFORM_SLOT_BYTES = 256;

export interface BatchStats {
  dispatches: number;
  submits: number;
  readbacks: number;
}

export class CommandBatcher {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private slotsUsed = 0;
  private readonly uniformBytes: Uint8Array<ArrayBuffer>;
  private readonly uniformBuffer: GPUBuffer;
  private pendingRelease: GPUBuffer[] = [];
  private readonly staging = new Map<number, GPUBuffer[]>();
  readonly stats: BatchStats = { dispatches: 0, submits: 0, readbacks: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    readonly maxDispatches: number,
  ) {
    this.uniformBytes = new Uint8Array(maxDispatches * UNIFORM_SLOT_BYTES);
    this.uniformBuffer = device.createBuffer({
      label: 'uniform arena',
      size: this.uniformBytes.byteLength,
      usage: 0x40 | 0x08, // UNIFORM | COPY_DST
    });
  }

  /** True while encoded work waits for a submit. */
  get pending(): boolean {
    return this.encoder !== null;
  }

  private openPass(): GPUComputePassEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  private closePass(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (this.pass) { this.pass.end(); this.pass = null; }
    return this.encoder;
  }

  /**
   * Encodes one dispatch. `params` (at most 256 bytes) becomes binding 0 when the kernel's first
   * binding is a uniform; `buffers` fill the storage bindings in order.
   */
  dispatch(kernel: CompiledKernel, params: ArrayBufferView | null, buffers: readonly GPUBuffer[], grid: readonly [number, number, number]): void {
    const kinds = kernel.spec.bindings;
    const hasUniform = kinds[0] === 'uniform';
    const expected = kinds.length - (hasUniform ? 1 : 0);
    if (buffers.length !== expected) {
      throw new Error(`${kernel.spec.name}: kernel has ${expected} storage bindings, got ${buffers.length} buffers`);
    }
    if (this.slotsUsed === this.maxDispatches) this.flush();
    const entries: GPUBindGroupEntry[] = [];
    if (hasUniform) {
      if (!params) throw new Error(`${kernel.spec.name}: kernel takes a params uniform, none given`);
      if (params.byteLength > UNIFORM_SLOT_BYTES) throw new Error(`${kernel.spec.name}: params are ${params.byteLength} bytes, at most ${UNIFORM_SLOT_BYTES}`);
      const offset = this.slotsUsed * UNIFORM_SLOT_BYTES;
      this.uniformBytes.set(new Uint8Array(params.buffer, params.byteOffset, params.byteLength), offset);
      entries.push({ binding: 0, resource: { buffer: this.uniformBuffer, offset, size: Math.max(16, Math.ceil(params.byteLength / 16) * 16) } });
    }
    const first = hasUniform ? 1 : 0;
    for (let i = 0; i < buffers.length; i++) entries.push({ binding: first + i, resource: { buffer: buffers[i]! } });
    const bindGroup = this.device.createBindGroup({ layout: kernel.layout, entries });
    const pass = this.openPass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    this.slotsUsed++;
    this.stats.dispatches++;
  }

  /** Encodes a buffer-to-buffer copy (ends the open compute pass). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.closePass().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** A buffer no tensor needs any more: pooled now, or after the open batch is submitted. */
  release(buffer: GPUBuffer): void {
    if (this.encoder) this.pendingRelease.push(buffer);
    else this.pool.release(buffer);
  }

  /** Submits the open batch, if any. */
  flush(): void {
    if (!this.encoder) return;
    const encoder = this.closePass();
    if (this.slotsUsed > 0) {
      this.device.queue.writeBuffer(this.uniformBuffer, 0, this.uniformBytes, 0, this.slotsUsed * UNIFORM_SLOT_BYTES);
    }
    this.device.queue.submit([encoder.finish()]);
    this.encoder = null;
    this.slotsUsed = 0;
    this.stats.submits++;
    const released = this.pendingRelease;
    this.pendingRelease = [];
    for (const b of released) this.pool.release(b);
  }

  /** Copies `bytes` from `src` into host memory; submits the open batch first. */
  async read(src: GPUBuffer, srcOffset: number, bytes: number): Promise<ArrayBuffer> {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const stagingList = this.staging.get(size);
    const staging = stagingList?.pop() ?? this.device.createBuffer({ size, usage: 0x01 | 0x08 }); // MAP_READ | COPY_DST
    this.copy(src, srcOffset, staging, 0, Math.ceil(bytes / 4) * 4);
    this.flush();
    this.stats.readbacks++;
    await staging.mapAsync(0x0001); // GPUMapMode.READ
    const out = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    let list = this.staging.get(size);
    if (!list) this.staging.set(size, (list = []));
    if (list.length < 4) list.push(staging); else staging.destroy();
    return out;
  }

  /** Resolves when the GPU has finished all submitted work. */
  async finish(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }
}
