/**
 * State files on disk (Node only; the browser build replaces this file with browser-only.ts).
 * save() writes atomically (write-atomic.ts): a crash or a kill leaves the old file or the new one,
 * never half of one.
 */
import { readFile } from 'node:fs/promises';
import type { Tensor } from '../../engine/tensor.js';
import { decode, encode, type Decoded, type HostTensor } from './format.js';
import { writeFileAtomic } from './write-atomic.js';

export { writeFileAtomic };

/** Writes named tensors (GPU or host) and a JSON-able `meta` to `path` in the state-file format. */
export async function save(path: string, tensors: Record<string, Tensor | HostTensor>, meta: unknown = null): Promise<void> {
  const data = new Uint8Array(await encode(tensors, meta));
  await writeFileAtomic(path, data).catch((e: Error) => { throw named(`save ${path}`, e); });
}

/** Reads a state file; a missing, foreign, truncated or corrupt file is an error naming the path. */
export async function load(path: string): Promise<Decoded> {
  try {
    const bytes = await readFile(path);
    return decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (e) {
    throw named(`load ${path}`, e as Error);
  }
}

/** The error with `what` (the function and its path) in front of its message. */
function named(what: string, e: Error): Error {
  e.message = `${what}: ${e.message}`;
  return e;
}
