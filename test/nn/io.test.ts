/** The state-file format (encode/decode) and Node's save/load: round trips and clear errors. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import * as browserOnly from '../../nn/io/browser-only.js';
import { useDevice } from '../helpers/device.js';
import { randomArray, toF32 } from '../helpers/numeric.js';

const { nn } = wc;

function sample(): Record<string, wc.nn.io.HostTensor> {
  return {
    'fc.weight': { shape: [3, 5], dtype: 'float32', data: toF32(randomArray(15, 1)) },
    labels: { shape: [4], dtype: 'int32', data: Int32Array.from([7, -1, 0, 2 ** 31 - 1]) },
    scalar: { shape: [], dtype: 'float32', data: Float32Array.from([Math.PI]) },
    empty: { shape: [0, 3], dtype: 'float32', data: new Float32Array(0) },
    odd: { shape: [17], dtype: 'float32', data: toF32(randomArray(17, 2)) },
  };
}

describe('nn.io format', () => {
  useDevice();

  it('round-trips names, shapes, dtypes, values and meta; the layout is as documented', async () => {
    const tensors = sample();
    const meta = { epoch: 3, lr: 0.01, rng: [1, 2, 3, 4], note: 'ünïcode' };
    const buf = await nn.io.encode(tensors, meta);
    const bytes = new Uint8Array(buf);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('WGPUCLSD');
    const view = new DataView(buf);
    expect(view.getUint32(8, true)).toBe(1);
    const headerBytes = view.getUint32(12, true);
    expect(headerBytes % 4).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerBytes)));
    expect(header.tensors.every((e: { offset: number }) => e.offset % 4 === 0)).toBe(true);
    expect(buf.byteLength).toBe(16 + headerBytes + header.payloadBytes);

    const back = nn.io.decode(buf);
    expect(back.meta).toEqual(meta);
    expect(Object.keys(back.tensors)).toEqual(Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.tensors[name]!;
      expect(got.shape, name).toEqual(t.shape);
      expect(got.dtype, name).toBe(t.dtype);
      expect(got.data.constructor, name).toBe(t.data.constructor);
      expect(Array.from(got.data), name).toEqual(Array.from(t.data));
    }
  });

  it('encodes GPU tensors (read back) and loads them into a model', async () => {
    const a = new nn.Sequential(new nn.Linear(5, 3), new nn.ReLU(), new nn.Linear(3, 2));
    const b = new nn.Sequential(new nn.Linear(5, 3), new nn.ReLU(), new nn.Linear(3, 2));
    b.loadStateDict(nn.io.decode(await nn.io.encode(a.stateDict())).tensors);
    const x = wc.tensor(toF32(randomArray(10, 3)), [2, 5]);
    expect(Array.from(await b.forward(x).toArray())).toEqual(Array.from(await a.forward(x).toArray()));
    a.dispose(); b.dispose();
  });

  it('a foreign, truncated, newer or corrupt buffer is a clear error', async () => {
    const buf = await nn.io.encode(sample(), { a: 1 });
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).buffer;
    expect(() => nn.io.decode(png)).toThrow("decode: not a webgpu-cl state file: it starts with bytes [89 50 4e 47 0d 0a 1a 0a], expected the magic 'WGPUCLSD'");
    expect(() => nn.io.decode(buf.slice(0, buf.byteLength - 1))).toThrow(`decode: truncated: expected ${buf.byteLength} bytes, the buffer has ${buf.byteLength - 1}`);
    expect(() => nn.io.decode(buf.slice(0, 40))).toThrow(/^decode: truncated: the header needs \d+ bytes, the buffer has 40$/);
    expect(() => nn.io.decode(buf.slice(0, 11))).toThrow('decode: truncated: 11 bytes, shorter than the 16-byte preamble');
    expect(() => nn.io.decode(new ArrayBuffer(0))).toThrow('decode: truncated: 0 bytes, shorter than the 16-byte preamble');
    const longer = new Uint8Array(buf.byteLength + 4);
    longer.set(new Uint8Array(buf));
    expect(() => nn.io.decode(longer.buffer)).toThrow(`decode: 4 unexpected bytes after the payload (expected ${buf.byteLength} bytes in all)`);
    const newer = buf.slice(0);
    new DataView(newer).setUint32(8, 2, true);
    expect(() => nn.io.decode(newer)).toThrow('decode: format version 2 is not supported (this library reads version 1)');
    const corrupt = new Uint8Array(buf.slice(0));
    corrupt[16] = 0x7b + 1; // '{' → '|'
    expect(() => nn.io.decode(corrupt.buffer)).toThrow(/^decode: corrupt header: /);
    expect(() => nn.io.encodeHost({ x: { shape: [2, 2], dtype: 'float32', data: new Float32Array(3) } })).toThrow("encode: 'x' has 3 values but shape [2, 2] needs 4");
  });
});

describe('nn.io save/load (Node)', () => {
  useDevice();
  let dir = '';
  const tmp = async () => (dir ||= await mkdtemp(join(tmpdir(), 'webgpu-cl-io-')));
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it('saves through a temporary file and a rename, overwrites, and loads back', async () => {
    const path = join(await tmp(), 'model.wgcl');
    const model = new nn.Linear(4, 3);
    await nn.io.save(path, model.stateDict(), { epoch: 1 });
    await nn.io.save(path, model.stateDict(), { epoch: 2 }); // overwrite in place
    expect(await readdir(dir)).toEqual(['model.wgcl']); // no temporary file left behind
    const loaded = await nn.io.load(path);
    expect(loaded.meta).toEqual({ epoch: 2 });
    const copy = new nn.Linear(4, 3);
    copy.loadStateDict(loaded.tensors);
    expect(Array.from(await copy.weight.toArray())).toEqual(Array.from(await model.weight.toArray()));
    model.dispose(); copy.dispose();
  });

  it('a failed save leaves nothing; a truncated or foreign file names its path', async () => {
    const base = await tmp();
    await expect(nn.io.save(join(base, 'missing-dir', 'x.wgcl'), { a: wc.zeros([2]) })).rejects.toThrow(/ENOENT/);
    expect(await readdir(base)).not.toContain('missing-dir');
    const path = join(base, 'cut.wgcl');
    await nn.io.save(path, { a: wc.ones([10]) });
    const full = await readFile(path);
    await writeFile(path, full.subarray(0, full.length - 8));
    await expect(nn.io.load(path)).rejects.toThrow(`load ${path}: decode: truncated: expected ${full.length} bytes, the buffer has ${full.length - 8}`);
    const foreign = join(base, 'notes.txt');
    await writeFile(foreign, 'hello, world, not weights');
    await expect(nn.io.load(foreign)).rejects.toThrow(`load ${foreign}: decode: not a webgpu-cl state file: it starts with bytes [68 65 6c 6c 6f 2c 20 77]`);
  });

  it('the browser stand-in says what to use instead', async () => {
    await expect(browserOnly.save('x', {})).rejects.toThrow('nn.io.save: a browser has no file system: use nn.io.encode()');
    await expect(browserOnly.load('x')).rejects.toThrow('nn.io.load: a browser has no file system');
  });
});
