/**
 * The per-sample Fisher of issue #12's MLP (784-100-100-10) over one task's training images (MNIST's 7,756),
 * each representation × variant asked for, warm (pipelines compiled by a first run), seconds per call.
 *
 *   npx tsx bench/fisher.ts [--representations diag,kfac] [--variants exact,empirical] [--repeats 3]
 */
import { initDevice, Generator } from '../engine/index.js';
import { cl, nn } from '../index.js';
import { experimentSoftwareThreads } from '../cl/experiments/gradproj-rotated-mnist.js';
import { parseArgs } from '../cli/args.js';

const args = parseArgs(process.argv.slice(2), {
  representations: { kind: 'string', default: 'diag,kfac', help: 'comma-separated' },
  variants: { kind: 'string', default: 'exact,empirical,batched', help: 'comma-separated' },
  repeats: { kind: 'int', default: 3, min: 1, help: 'timed calls each' },
});
const device = await initDevice({ softwareThreads: experimentSoftwareThreads() });
const scenario = await cl.scenarios.permutedMnist({ tasks: 1 });
const data = scenario.experiences[0]!.train;
const g = new Generator(0);
const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 100, { generator: g }), new nn.ReLU(),
  new nn.Linear(100, 100, { generator: g }), new nn.ReLU(), new nn.Linear(100, 10, { generator: g }));
for (const representation of (args.representations as string).split(',')) {
  for (const variant of (args.variants as string).split(',')) {
    if (representation === 'kfac' && variant === 'batched') continue;
    const opts = { representation, variant } as Parameters<typeof cl.fisher.compute>[2];
    (await cl.fisher.compute(model, data, opts)).dispose();
    const times: number[] = [];
    for (let r = 0; r < (args.repeats as number); r++) {
      const start = performance.now();
      const F = await cl.fisher.compute(model, data, opts);
      await device.sync();
      times.push((performance.now() - start) / 1000);
      F.dispose();
    }
    process.stdout.write(`${representation} ${variant}: ${times.map((t) => t.toFixed(2)).join(' / ')} s (${data.n} images)\n`);
  }
}
model.dispose();
scenario.dispose();
