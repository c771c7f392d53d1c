/**
 * State files on disk (Node only; the browser build replaces this file with browser-only.ts).
 * save() writes a temporary file beside the target, flushes it to disk, then renames it over the
 * target: a crash leaves the old file or the new one, never half of one.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '../../engine/tensor.js';
import { decode, encode, type Decoded, type HostTensor } from './format.js';

/** Writes named tensors (GPU or host) and a JSON-able `meta` to `path` in the state-file format. */
export async function save(path: string, tensors: Record<string, Tensor | HostTensor>, meta: unknown = null): Promise<void> {
  await writeFileAtomic(path, new Uint8Array(await encode(tensors, meta)));
}

/** Writes `data` to a temporary file beside `path`, flushes it, then renames it over `path`. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Reads a state file; a foreign, truncated or corrupt file is an error naming the path. */
export async function load(path: string): Promise<Decoded> {
  const bytes = await readFile(path);
  try {
    return decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (e) {
    (e as Error).message = `load ${path}: ${(e as Error).message}`;
    throw e;
  }
}
