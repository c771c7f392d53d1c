/**
 * The README's API tour as a script: its ```ts block with the package name pointed where the caller
 * says (this checkout's index.ts, or the installed package in test/package/pack.test.ts), followed by
 * TOUR_CHECKS; the script prints 'tour checks passed' and 'tour done'.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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

/** The tour script, importing from `packageSpecifier` instead of 'webgpu-cl' (unchanged when it is 'webgpu-cl'). */
export function readmeTour(root: string, packageSpecifier: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ```ts block (the API tour)');
  return `${block[1]!.replace(/from 'webgpu-cl'/g, `from '${packageSpecifier}'`)}\n${TOUR_CHECKS}\nconsole.log('tour done');\n`;
}
