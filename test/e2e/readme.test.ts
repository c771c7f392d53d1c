/**
 * The README's API tour runs as written: its ```ts block, with the package name pointed at this
 * checkout, executed by tsx in a child process; then what its comments claim is checked against a
 * float64 reference in the same process (test/helpers/readme-tour.ts: TOUR_CHECKS, appended to the block).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeTour } from '../helpers/readme-tour.js';

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
    const dir = mkdtempSync(join(root, 'test', '.tour-'));
    try {
      const file = join(dir, 'tour.ts');
      writeFileSync(file, readmeTour(root, join(root, 'index.ts')));
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
