/**
 * Storage buffers reused by size class. Sizes round up to a class (powers of two up to 4 KiB, then
 * eight classes per octave, at most 12.5 % waste) so that tensors of nearby sizes share buffers.
 * Released buffers wait until the command batch that used them is submitted (see CommandBatcher);
 * then they return here. Buffers above `largeBytes` are destroyed instead of pooled, and the pool
 * destroys buffers beyond `maxPooledBytes`.
 */
export interface PoolStats {
  /** Bytes of buffers currently handed out (live tensors and pending releases). */
  bytesInUse: number;
  /** Bytes held in the free lists. */
  bytesPooled: number;
  buffersPooled: number;
  buffersCreated: number;
  buffersDestroyed: number;
  /** Requests served from a free list. */
  poolHits: number;
}

export const BUFFER_USAGE_STORAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST

/** The size class a request of `bytes` is served from. */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 4096) return 2 ** Math.ceil(Math.log2(b));
  const octave = 2 ** Math.floor(Math.log2(b));
  const step = octave / 8;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  readonly stats: PoolStats = {
    bytesInUse: 0, bytesPooled: 0, buffersPooled: 0, buffersCreated: 0, buffersDestroyed: 0, poolHits: 0,
  };

  constructor(
    private readonly device: GPUDevice,
    readonly maxPooledBytes = 512 * 2 ** 20,
    readonly largeBytes = 128 * 2 ** 20,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.stats.poolHits++;
      this.stats.bytesPooled -= size;
      this.stats.buffersPooled--;
    } else {
      buffer = this.device.createBuffer({ size, usage: BUFFER_USAGE_STORAGE });
      this.stats.buffersCreated++;
    }
    this.stats.bytesInUse += size;
    return buffer;
  }

  /** Returns a buffer whose last use has been submitted. */
  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    this.stats.bytesInUse -= size;
    if (size > this.largeBytes || this.stats.bytesPooled + size > this.maxPooledBytes) {
      buffer.destroy();
      this.stats.buffersDestroyed++;
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.stats.bytesPooled += size;
    this.stats.buffersPooled++;
  }

  /** Destroys every pooled buffer (memory pressure, or the device is closing). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) { b.destroy(); this.stats.buffersDestroyed++; }
    this.free.clear();
    this.stats.bytesPooled = 0;
    this.stats.buffersPooled = 0;
  }
}
