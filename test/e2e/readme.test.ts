/**
 * The README's API tour runs as written: its ```ts block, with the package name pointed at this
 * checkout, executed by tsx in a child process; then what its comments claim is checked against a
 * float64 reference in the same process (TOUR_CHECKS, appended to the block).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `loss.backward(); // w.grad: [64, 10] = xᵀ·[x·w > 0]` and `loss` = Σ relu(x·w): the float64 values from
 * the float32 x and w. Bound per entry: the GPU sums 256 products in float32, ≤ 256·ε·Σₙ|xₙₖ| (and
 * Σ|z| for the loss); a row whose z is within 1e-4 of the kink may count either way, so its |xₙₖ| is
 * added to the bound.
 */
const TOUR_CHECKS = `
{
  if (w.grad === null || w.grad.shape.join() !== '64,10') throw new Error('tour: w.grad shape ' + w.grad?.shape);
  const [X, W, G] = [await x.toArray(), await w.toArray(), await w.grad.toArray()];
  const eps = 2 ** -23, want = new Float64Array(640), bound = new Float64Array(640);
  let total = 0, totalAbs = 0;
  for (let n = 0; n < 256; n++) for (let j = 0; j < 10; j++) {
    let z = 0;
    for (let k = 0; k < 64; k++) z += X[n * 64 + k] * W[k * 10 + j];
    if (z > 0) total += z;
    totalAbs += Math.abs(z);
    for (let k = 0; k < 64; k++) {
      const a = Math.abs(X[n * 64 + k]);
      if (z > 0) want[k * 10 + j] += X[n * 64 + k];
      bound[k * 10 + j] += 256 * eps * a + (Math.abs(z) < 1e-4 ? a : 0);
    }
  }
  for (let e = 0; e < 640; e++) {
    if (!(Math.abs(G[e] - want[e]) <= bound[e])) throw new Error('tour: w.grad[' + e + '] = ' + G[e] + ', reference ' + want[e]);
  }
  const l = await loss.item();
  if (!(Math.abs(l - total) <= 2560 * eps * totalAbs + 1e-3)) throw new Error('tour: loss ' + l + ', reference ' + total);
  console.log('tour checks passed');
}
`;

/** After the strategy snippet: it learnt (task-IL split MNIST with GPM) and its checkpoint resumes to the same matrix. */
const STRATEGY_CHECKS = `
if (!(result.acc > 0.9)) throw new Error('strategy snippet: ACC ' + result.acc);
const again = await cl.Strategy.load('run.ckpt', { model: mlp, optimizer: (params) => new nn.SGD(params, { lr: 0.01 }),
  plugins: [new cl.methods.GradientProjectionPlugin({ calculator: () => new GPM({ R: 0.05 }), samples: 300 })] });
const resumed = await again.run(split);
if (JSON.stringify(resumed.accuracyMatrix) !== JSON.stringify(result.accuracyMatrix)) throw new Error('strategy snippet: resumed matrix differs');
console.log('strategy checks passed');
`;

describe('README', () => {
  it('API tour runs', () => {
    const root = resolve(import.meta.dirname, '../..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README has a ```ts block').not.toBeNull();
    const code = block![1]!.replace(/from 'webgpu-cl'/g, `from '${join(root, 'index.ts')}'`);
    const dir = mkdtempSync(join(root, 'test', '.tour-'));
    try {
      const file = join(dir, 'tour.ts');
      writeFileSync(file, `${code}\n${TOUR_CHECKS}\nconsole.log('tour done');\n`);
      const out = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [file], { cwd: root, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toContain('tour checks passed');
      expect(out).toContain('tour done');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the strategy snippet runs as written and its checkpoint resumes', () => {
    const root = resolve(import.meta.dirname, '../..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /```js\n(const split = [\s\S]*?)```/.exec(readme);
    expect(block, 'README has the strategy ```js block').not.toBeNull();
    const dir = mkdtempSync(join(root, 'test', '.strategy-'));
    try {
      const file = join(dir, 'snippet.ts');
      writeFileSync(file, `import { cl, nn, GPM, initDevice } from '${join(root, 'index.ts')}';\nawait initDevice();\n${block![1]}\n${STRATEGY_CHECKS}`);
      const out = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [file], { cwd: dir, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toContain('strategy checks passed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
