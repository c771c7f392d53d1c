/** Stands in for node.ts in the browser build: a page has no file system. */
import type { Tensor } from '../../engine/tensor.js';
import type { Decoded, HostTensor } from './format.js';

const NO_FS = 'a browser has no file system: use nn.io.encode() to get an ArrayBuffer (then download or store it) and nn.io.decode() to read one';

export async function save(_path: string, _tensors: Record<string, Tensor | HostTensor>, _meta: unknown = null): Promise<void> {
  throw new Error(`nn.io.save: ${NO_FS}`);
}

export async function load(_path: string): Promise<Decoded> {
  throw new Error(`nn.io.load: ${NO_FS}`);
}
