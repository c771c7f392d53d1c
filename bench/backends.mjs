/**
 * Our kernels on Dawn's Vulkan backend against the same kernels on Dawn's OpenGL ES backend, one
 * device each in one process, timed side by side (bench/timing.mjs): the measurement behind
 * AUTO_BACKEND_ORDER in engine/device.ts.
 *
 *   npm run build && node bench/backends.mjs [--rounds 3] [--only <text in a case name>]
 */
import os from 'node:os';
import { arg } from './args.mjs';
import { CASES } from './cases.mjs';
import { bestOfRounds, loadAverage, metricValue } from './timing.mjs';

const wc = await import('../dist/index.js');
const rounds = Number(arg('rounds', 3));
const only = arg('only', '');
const backends = ['vulkan', 'opengles'];
const devices = Object.fromEntries(await Promise.all(backends.map(async (b) => [b, await wc.initDevice({ backend: b, makeCurrent: false })])));

console.log(`# webgpu-cl on Dawn's backends, ${new Date().toISOString()}`);
for (const b of backends) console.log(`${b}: ${devices[b].adapterInfo.description}`);
console.log(`Node ${process.version}; ${os.cpus().length} × ${os.cpus()[0]?.model}; load average before ${loadAverage(os)}; rounds: ${rounds}\n`);
console.log(`| case | unit | ${backends.join(' | ')} | speed-up of opengles |`);
console.log(`|---|---|${backends.map(() => '---:|').join('')}---:|`);
for (const c of CASES.filter((k) => k.name.includes(only))) {
  const sides = {};
  for (const b of backends) {
    // Factories make tensors on the current device; ops run on their inputs' device.
    wc.setDevice(devices[b]);
    const run = c.ours(wc);
    sides[b] = { run: () => { wc.setDevice(devices[b]); run(); }, sync: () => devices[b].sync() };
  }
  const best = await bestOfRounds(sides, c.iterations, rounds);
  console.log(`| ${c.name} | ${c.metric} | ${backends.map((b) => metricValue(c, best[b]).toPrecision(3)).join(' | ')} | ${(best.vulkan / best.opengles).toFixed(2)}× |`);
}
console.log(`\nload average after ${loadAverage(os)}`);
for (const d of Object.values(devices)) d.destroy();
