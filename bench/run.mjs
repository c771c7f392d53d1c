/**
 * Benchmarks webgpu-cl against TF.js's WebGPU backend (4.22) on the same Dawn adapter and the same
 * Dawn backend, in one process, side by side.
 *
 *   npm run bench                      (builds, then runs this on the backend `auto` picks)
 *   node bench/run.mjs [--backend vulkan|opengles] [--rounds 3] [--only <text in a case name>]
 *
 * Method (bench/timing.mjs): every case (bench/cases.mjs) is warmed up (pipelines compiled, buffers
 * pooled) and timed with tinybench 6; a sample is `reps` operations plus one wait for GPU completion
 * (our device.sync(); for TF.js a submit of its open encoder and queue.onSubmittedWorkDone(), what
 * its data() does before the copy). The pair is timed `rounds` times in alternating order and each
 * side keeps its best round's median. Installs the peers (bench/package.json) on first use.
 */
import os from 'node:os';
import { arg } from './args.mjs';
import { CASES } from './cases.mjs';
import { ensurePeers, version } from './peers.mjs';
import { bestOfRounds, loadAverage, metricValue } from './timing.mjs';

ensurePeers();
const wc = await import('../dist/index.js');
const rounds = Number(arg('rounds', 3));
const only = arg('only', '');
const wanted = arg('backend', undefined);
// Our device first: once tfjsOnDawn() defines navigator.gpu, initDevice() would take the browser path.
const device = await wc.initDevice(wanted ? { backend: wanted } : {});
const { tfjsOnDawn } = await import('./tfjs-dawn.mjs');
const peer = await tfjsOnDawn(device.backend);
const { tf } = peer;

// Both sides compute the same product before anything is timed.
{
  const n = 256, host = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const ours = await wc.matmul(wc.tensor(host, [n, n]), wc.tensor(host, [n, n]), { transposeB: true }).toArray();
  const theirs = await tf.matMul(tf.tensor(host, [n, n]), tf.tensor(host, [n, n]), false, true).data();
  let worst = 0;
  for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / (1 + Math.abs(theirs[i])));
  if (!(worst < 1e-4)) throw new Error(`bench: webgpu-cl and TF.js disagree on a 256 matmul (relative difference ${worst})`);
}

const info = device.adapterInfo;
console.log(`# webgpu-cl vs TF.js ${version('@tensorflow/tfjs-backend-webgpu')} (WebGPU backend), ${new Date().toISOString()}`);
console.log(`adapter: ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' / ')}; Dawn backend: ${device.backend}; ` +
  `webgpu (Dawn) ${version('webgpu')}; Node ${process.version}; ${os.cpus().length} × ${os.cpus()[0]?.model}; load average before ${loadAverage(os)}`);
console.log(`rounds: ${rounds}; each side: best round's median\n`);

const rows = [];
for (const c of CASES.filter((k) => k.name.includes(only))) {
  const best = await bestOfRounds({
    ours: { run: c.ours(wc), sync: () => device.sync() },
    theirs: { run: c.theirs(tf), sync: peer.sync },
  }, c.iterations, rounds);
  const row = { name: c.name, metric: c.metric, ours: metricValue(c, best.ours), theirs: metricValue(c, best.theirs), speedup: best.theirs / best.ours };
  rows.push(row);
  console.log(`${row.name}: ours ${row.ours.toPrecision(3)} ${c.metric}, TF.js ${row.theirs.toPrecision(3)} ${c.metric}, speed-up ${row.speedup.toFixed(2)}×`);
}

console.log(`\nload average after ${loadAverage(os)}\n`);
console.log('| case | unit | webgpu-cl | TF.js | ours / TF.js | speed-up (TF.js time / ours) |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.metric} | ${r.ours.toPrecision(3)} | ${r.theirs.toPrecision(3)} | ${(r.ours / r.theirs).toFixed(2)} | ${r.speedup.toFixed(2)}× |`);
}
device.destroy();
void peer.keepAlive;
