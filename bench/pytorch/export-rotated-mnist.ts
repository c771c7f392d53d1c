/**
 * Writes the seed experiment's rotated-MNIST tasks, exactly as our own code builds them, for the
 * PyTorch baseline (bench/pytorch/rotated_mnist.py):
 *
 *   npx tsx bench/pytorch/export-rotated-mnist.ts [--angles 0,90,-45,45] [--out bench/pytorch/data]
 *
 * The data come from `rotatedMnist()` (cl/scenarios/rotated-mnist.ts): the npm package `mnist`, our
 * default split (per class the first 800 — fewer where the class has fewer — for training, the last
 * 200 for testing: 7,756 / 2,000), pixels normalised as (x − 0.15)/0.3, then rotated on the GPU
 * (nearest neighbour, fill 0). Each task's tensors are read back with toArray() and written raw:
 *
 *   task{t}_train_x.f32   float32 little-endian [n_train, 1, 28, 28]
 *   task{t}_train_y.i32   int32 little-endian [n_train]
 *   task{t}_test_x.f32    float32 little-endian [n_test, 1, 28, 28]
 *   task{t}_test_y.i32    int32 little-endian [n_test]
 *   meta.json             angles, shapes, file names, byte sizes and SHA-256 of each file
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDevice, initDevice, type Tensor } from '../../engine/index.js';
import { rotatedMnist, SEED_NORMALIZATION } from '../../cl/scenarios/rotated-mnist.js';

const here = dirname(fileURLToPath(import.meta.url));

function option(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

const angles = (option('angles') ?? '0,90,-45,45').split(',').map(Number);
const outDir = resolve(option('out') ?? join(here, 'data'));
if (angles.some((a) => !Number.isFinite(a))) throw new RangeError(`--angles must be comma-separated numbers, got ${option('angles')}`);

if (endianness() !== 'LE') throw new Error('this exporter writes the host byte order and expects a little-endian host');

interface FileEntry { file: string; dtype: 'float32' | 'int32'; shape: number[]; bytes: number; sha256: string }

async function dump(t: Tensor, file: string): Promise<FileEntry> {
  const data = await t.toArray();
  const expected = t.dtype === 'int32' ? 'int32' : 'float32';
  if ((expected === 'int32') !== (data instanceof Int32Array)) throw new TypeError(`${file}: unexpected array type for dtype ${t.dtype}`);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(join(outDir, file), bytes);
  return { file, dtype: expected, shape: [...t.shape], bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const device = await initDevice();
mkdirSync(outDir, { recursive: true });
const scenario = await rotatedMnist(angles);
const tasks = [];
try {
  for (let t = 0; t < scenario.tasks.length; t++) {
    const task = scenario.tasks[t]!;
    const entry = {
      angle: angles[t]!,
      name: task.name,
      train: { x: await dump(task.train.x, `task${t}_train_x.f32`), y: await dump(task.train.y, `task${t}_train_y.i32`) },
      test: { x: await dump(task.test.x, `task${t}_test_x.f32`), y: await dump(task.test.y, `task${t}_test_y.i32`) },
    };
    tasks.push(entry);
    console.log(`task ${t} (${task.name}): train ${entry.train.x.shape.join('×')}, test ${entry.test.x.shape.join('×')}`);
  }
} finally {
  scenario.dispose();
}
const meta = {
  source: 'webgpu-cl rotatedMnist() (cl/scenarios/rotated-mnist.ts): npm `mnist`, default split, normalised then rotated (nearest, fill 0)',
  normalization: SEED_NORMALIZATION,
  split: 'per class: first min(800, n − 200) train, last 200 test (nn/data/datasets.ts)',
  byteOrder: 'little-endian',
  backend: device.backend,
  angles,
  tasks,
};
writeFileSync(join(outDir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
console.log(`wrote ${tasks.length} tasks to ${outDir}`);
await getDevice().sync();
process.exit(0);
