/**
 * The webgpu-cl state file (model weights, optimizer state, checkpoints), browser-safe:
 *
 *   offset 0   8 bytes  magic 'WGPUCLSD'
 *   offset 8   u32 LE   format version (1)
 *   offset 12  u32 LE   H: header length in bytes (a multiple of 4)
 *   offset 16  H bytes  UTF-8 JSON { tensors: [{ name, dtype, shape, offset, bytes }], payloadBytes, meta },
 *                       padded with spaces
 *   offset 16+H         payload: each tensor's elements (float32 or int32, little-endian, like every
 *                       WebGPU host) at its `offset` from the payload's start, 4-byte aligned
 *
 * The file's length must be exactly 16 + H + payloadBytes, so a truncated file is detected; `meta` is
 * any JSON value (hyperparameters, counters, RNG state).
 */
import { Tensor, type DType } from '../../engine/tensor.js';
import { sizeOf } from '../../engine/shape.js';
import { describe } from '../../engine/check.js';

/** A tensor's values on the host. */
export interface HostTensor {
  shape: readonly number[];
  dtype: DType;
  data: Float32Array | Int32Array;
}

export interface Decoded {
  tensors: Record<string, HostTensor>;
  meta: unknown;
}

export const MAGIC = 'WGPUCLSD';
export const FORMAT_VERSION = 1;
const PREAMBLE = 16;

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
  bytes: number;
}

/** Copies GPU tensors to the host (all reads in flight at once); host tensors pass through. */
export async function toHost(tensors: Record<string, Tensor | HostTensor>): Promise<Record<string, HostTensor>> {
  const entries = await Promise.all(Object.entries(tensors).map(async ([name, t]): Promise<[string, HostTensor]> => {
    if (!(t instanceof Tensor)) return [name, t];
    return [name, { shape: [...t.shape], dtype: t.dtype, data: await t.toArray() }];
  }));
  return Object.fromEntries(entries);
}

/** Serialises named tensors (GPU or host) and a JSON-able `meta` into one ArrayBuffer. */
export async function encode(tensors: Record<string, Tensor | HostTensor>, meta: unknown = null): Promise<ArrayBuffer> {
  return encodeHost(await toHost(tensors), meta);
}

/** encode() for host tensors only (synchronous). */
export function encodeHost(tensors: Record<string, HostTensor>, meta: unknown = null): ArrayBuffer {
  const list = Object.entries(tensors);
  let payloadBytes = 0;
  const entries: Entry[] = list.map(([name, t]) => {
    if (t.data.length !== sizeOf(t.shape)) {
      throw new RangeError(`encode: '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${sizeOf(t.shape)}`);
    }
    const e = { name, dtype: t.dtype, shape: [...t.shape], offset: payloadBytes, bytes: t.data.length * 4 };
    payloadBytes += e.bytes;
    return e;
  });
  const json = new TextEncoder().encode(JSON.stringify({ tensors: entries, payloadBytes, meta: meta ?? null }));
  const headerBytes = Math.ceil(json.length / 4) * 4;
  const out = new ArrayBuffer(PREAMBLE + headerBytes + payloadBytes);
  const bytes = new Uint8Array(out);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, headerBytes, true);
  bytes.set(json, PREAMBLE);
  bytes.fill(0x20, PREAMBLE + json.length, PREAMBLE + headerBytes);
  const base = PREAMBLE + headerBytes;
  entries.forEach((e, i) => {
    const data = list[i]![1].data;
    const Typed = e.dtype === 'int32' ? Int32Array : Float32Array;
    const typed = data instanceof Typed ? data : Typed.from(data);
    bytes.set(new Uint8Array(typed.buffer, typed.byteOffset, e.bytes), base + e.offset);
  });
  return out;
}

/** Reads a buffer made by encode(); a foreign, truncated or corrupt buffer is a clear error. */
export function decode(buffer: ArrayBuffer): Decoded {
  if (!(buffer instanceof ArrayBuffer)) throw new TypeError(`decode: buffer must be an ArrayBuffer (a state file's bytes), got ${describe(buffer)}`);
  const bytes = new Uint8Array(buffer);
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    if (bytes.length < MAGIC.length && MAGIC.startsWith(magic)) throw new RangeError(`decode: truncated: ${bytes.length} bytes, shorter than the ${PREAMBLE}-byte preamble`);
    throw new TypeError(`decode: not a webgpu-cl state file: it starts with bytes [${head}], expected the magic '${MAGIC}'`);
  }
  if (bytes.length < PREAMBLE) throw new RangeError(`decode: truncated: ${bytes.length} bytes, shorter than the ${PREAMBLE}-byte preamble`);
  const view = new DataView(buffer);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) throw new RangeError(`decode: format version ${version} is not supported (this library reads version ${FORMAT_VERSION})`);
  const headerBytes = view.getUint32(12, true);
  if (PREAMBLE + headerBytes > bytes.length) {
    throw new RangeError(`decode: truncated: the header needs ${PREAMBLE + headerBytes} bytes, the buffer has ${bytes.length}`);
  }
  let header: { tensors: Entry[]; payloadBytes: number; meta: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREAMBLE, PREAMBLE + headerBytes)));
  } catch (e) {
    throw new SyntaxError(`decode: corrupt header: ${(e as Error).message}`);
  }
  const base = PREAMBLE + headerBytes;
  const expected = base + header.payloadBytes;
  if (bytes.length < expected) throw new RangeError(`decode: truncated: expected ${expected} bytes, the buffer has ${bytes.length}`);
  if (bytes.length > expected) throw new RangeError(`decode: ${bytes.length - expected} unexpected bytes after the payload (expected ${expected} bytes in all)`);
  const tensors: Record<string, HostTensor> = {};
  for (const e of header.tensors) {
    checkEntry(e, header.payloadBytes);
    const n = e.bytes / 4;
    const data = e.dtype === 'int32' ? new Int32Array(buffer, base + e.offset, n) : new Float32Array(buffer, base + e.offset, n);
    tensors[e.name] = { shape: e.shape, dtype: e.dtype, data };
  }
  return { tensors, meta: header.meta };
}

function checkEntry(e: Entry, payloadBytes: number): void {
  const ok = typeof e.name === 'string' && (e.dtype === 'float32' || e.dtype === 'int32')
    && Array.isArray(e.shape) && e.shape.every((d) => Number.isInteger(d) && d >= 0)
    && Number.isInteger(e.offset) && e.offset % 4 === 0 && e.bytes === sizeOf(e.shape) * 4
    && e.offset + e.bytes <= payloadBytes;
  if (!ok) throw new SyntaxError(`decode: corrupt header entry ${JSON.stringify(e)}`);
}
