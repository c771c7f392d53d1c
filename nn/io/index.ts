/** Saving and loading: the state-file format (browser-safe) and, in Node, files on disk. */
export { encode, encodeHost, decode, toHost, MAGIC, FORMAT_VERSION, type HostTensor, type Decoded } from './format.js';
export { save, load } from './node.js';
