/**
 * Deferred submission. Ops encode their dispatch into one open compute pass; the batch is submitted
 * when a result is read or after `maxDispatches` dispatches. Shape parameters of every dispatch in
 * the batch live in one uniform buffer (256-byte slots) written once per submit, so an op costs one
 * bind group and one dispatch record: no buffer creation, no queue write, no submit.
 *
 * Buffers released while a batch is open may still be read by it. Later dispatches of the same batch
 * may reuse them at once (`takeReleased`: commands run in encoding order, so a later write cannot
 * overtake an earlier read), but a queue write could (it runs before the batch), so an upload into a
 * buffer reused this way submits the batch first (`reusedInBatch`; Device.allocate hands buffers for
 * host data out of the pool instead). The rest go back to the pool after the submit.
 *
 * Bind groups are cached per kernel and buffers (see `bindGroup`): reuse within the batch keeps a
 * training step on the same buffers step after step, so most dispatches find theirs.
 */
import type { BufferPool } from './buffer-pool.js';
import type { CompiledKernel } from './pipeline-cache.js';

export const UNIFORM_SLOT_BYTES = 256;
/** Default number of bind groups kept before the cache is dropped (see CommandBatcher.bindGroup). */
export const BIND_GROUP_CACHE = 4096;

export interface BatchStats {
  dispatches: number;
  submits: number;
  readbacks: number;
  /** Dispatches that reused a cached bind group. */
  bindGroupHits: number;
  /** Buffers handed out again within the batch that released them. */
  reusedInBatch: number;
}

export class CommandBatcher {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private slotsUsed = 0;
  private readonly uniformBytes: Uint8Array<ArrayBuffer>;
  private readonly uniformBuffer: GPUBuffer;
  /** Buffers released during the open batch, by size. */
  private pendingRelease = new Map<number, GPUBuffer[]>();
  private pendingBytes = 0;
  /** Buffers handed out again from pendingRelease since the last submit. */
  private readonly reused = new Set<GPUBuffer>();
  private readonly staging = new Map<number, GPUBuffer[]>();
  private readonly bindGroups = new Map<CompiledKernel, Map<string, GPUBindGroup>>();
  private cachedGroups = 0;
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 0;
  readonly stats: BatchStats = { dispatches: 0, submits: 0, readbacks: 0, bindGroupHits: 0, reusedInBatch: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    readonly maxDispatches: number,
    /** Bind groups kept before the cache is dropped (see `bindGroup`). */
    readonly maxBindGroups = BIND_GROUP_CACHE,
    /** Bytes of released buffers a batch may hold before it is submitted. */
    readonly maxPendingBytes = 32 * 2 ** 20,
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
    const offsets: number[] = [];
    if (hasUniform) {
      if (!params) throw new Error(`${kernel.spec.name}: kernel takes a params uniform, none given`);
      if (params.byteLength > UNIFORM_SLOT_BYTES) throw new Error(`${kernel.spec.name}: params are ${params.byteLength} bytes, at most ${UNIFORM_SLOT_BYTES}`);
      offsets.push(this.slotsUsed * UNIFORM_SLOT_BYTES);
      this.uniformBytes.set(new Uint8Array(params.buffer, params.byteOffset, params.byteLength), offsets[0]!);
    }
    const bindGroup = this.bindGroup(kernel, hasUniform, buffers);
    const pass = this.openPass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, bindGroup, offsets);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    this.slotsUsed++;
    this.stats.dispatches++;
  }

  /**
   * The bind group of one dispatch: the uniform arena (if any; the dispatch passes its slot as a
   * dynamic offset), then the storage buffers in order. Creating one costs ≈ 12 µs of host time on
   * Dawn, a third of an op's host cost at small shapes, and a training loop repeats its dispatches on
   * the same pooled buffers, so groups are kept per kernel under a key of the buffers' identities
   * (the slot is not part of it: a step of 19 dispatches lands on other slots every step). A destroyed
   * buffer is never passed again, so the groups that hold it are never looked up again; the cache
   * is dropped whole when it holds maxBindGroups groups.
   */
  private bindGroup(kernel: CompiledKernel, hasUniform: boolean, buffers: readonly GPUBuffer[]): GPUBindGroup {
    let key = '';
    for (const b of buffers) key += `,${this.bufferId(b)}`;
    let groups = this.bindGroups.get(kernel);
    if (!groups) this.bindGroups.set(kernel, (groups = new Map()));
    const hit = groups.get(key);
    if (hit) { this.stats.bindGroupHits++; return hit; }
    if (this.cachedGroups >= this.maxBindGroups) {
      this.bindGroups.clear();
      this.bindGroups.set(kernel, groups = new Map());
      this.cachedGroups = 0;
    }
    const entries: GPUBindGroupEntry[] = [];
    if (hasUniform) entries.push({ binding: 0, resource: { buffer: this.uniformBuffer, offset: 0, size: UNIFORM_SLOT_BYTES } });
    const first = hasUniform ? 1 : 0;
    for (let i = 0; i < buffers.length; i++) entries.push({ binding: first + i, resource: { buffer: buffers[i]! } });
    const group = this.device.createBindGroup({ layout: kernel.layout, entries });
    groups.set(key, group);
    this.cachedGroups++;
    return group;
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  /** Encodes a buffer-to-buffer copy (ends the open compute pass). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.closePass().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /**
   * A buffer no tensor needs any more: pooled now, or after the open batch is submitted. A batch
   * holding more than `maxPendingBytes` of released buffers is submitted at once, so that large
   * intermediates come back to the pool for the next use instead of forcing fresh allocations
   * (batch-512 forward passes of the seed CNN free ≈ 70 MB each: 120 → 47 ms per batch on lavapipe).
   */
  release(buffer: GPUBuffer): void {
    if (!this.encoder) {
      this.pool.release(buffer);
      return;
    }
    let list = this.pendingRelease.get(buffer.size);
    if (!list) this.pendingRelease.set(buffer.size, (list = []));
    list.push(buffer);
    this.pendingBytes += buffer.size;
    if (this.pendingBytes > this.maxPendingBytes) this.flush();
  }

  /** A buffer of exactly `size` bytes released during the open batch, for dispatches encoded after it. */
  takeReleased(size: number): GPUBuffer | undefined {
    const buffer = this.pendingRelease.get(size)?.pop();
    if (buffer) {
      this.pendingBytes -= size;
      this.reused.add(buffer);
      this.stats.reusedInBatch++;
    }
    return buffer;
  }

  /** True when `buffer` was handed out again within the open batch (a queue write must submit first). */
  reusedInBatch(buffer: GPUBuffer): boolean {
    return this.reused.has(buffer);
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
    this.pendingRelease = new Map();
    this.pendingBytes = 0;
    this.reused.clear();
    for (const list of released.values()) for (const b of list) this.pool.release(b);
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
