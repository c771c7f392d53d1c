/**
 * Benchmarks webgpu-cl against TF.js's WebGPU backend (4.22) on the same Dawn adapter and the same
 * Dawn backend, in one process, side by side.
 *
 *   npm run bench                      (builds, then runs this on the backend `auto` picks)
 *   node bench/run.mjs [--backend vulkan|opengles] [--rounds 3] [--only <text in a case name>]
 *
 * Method: every case (bench/cases.mjs) is warmed up (pipelines compiled, buffers pooled) and then
 * timed with tinybench 6; a sample is `reps` operations plus one wait for GPU completion (our
 * device.sync(); for TF.js a submit of its open encoder and queue.onSubmittedWorkDone(), what its
 * data() does before the copy). The pair (ours, TF.js) is timed `rounds` times in alternating order
 * and each side keeps its best round's median, so a burst of load from other processes on the
 * machine does not decide a ratio. Installs the peers (bench/package.json) on first use.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { CASES } from './cases.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(import.meta.url);

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function ensurePeers() {
  if (existsSync(`${here}node_modules/@tensorflow/tfjs-backend-webgpu/package.json`)) return;
  console.log('installing benchmark peers (bench/package.json)...');
  execFileSync('npm', ['--prefix', here, 'ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

/** Median latency (ms) of `fn` over `iterations` samples after one warm-up sample. */
async function medianMs(fn, iterations) {
  const bench = new Bench({ iterations, time: 0, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add('case', fn);
  await bench.run();
  return bench.tasks[0].result.latency.p50;
}

const version = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [here, `${here}..`] }), 'utf8')).version;

ensurePeers();
const wc = await import('../dist/index.js');
const rounds = Number(arg('rounds', 3));
const only = arg('only', '');
const wanted = arg('backend', undefined);
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
  `webgpu (Dawn) ${version('webgpu')}; Node ${process.version}; ${os.cpus().length} × ${os.cpus()[0]?.model}; load average before ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`rounds: ${rounds}; each side: best round's median\n`);

const sync = { ours: () => device.sync(), theirs: peer.sync };
const rows = [];
for (const c of CASES.filter((k) => k.name.includes(only))) {
  const work = c.setup({ wc, tf });
  const best = { ours: Infinity, theirs: Infinity };
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 ? ['theirs', 'ours'] : ['ours', 'theirs']) {
      const ms = await medianMs(async () => { work[side](); await sync[side](); }, c.iterations);
      best[side] = Math.min(best[side], ms);
    }
  }
  const value = (ms) => {
    const perOp = ms / c.reps;
    if (c.metric === 'GFLOP/s') return c.flops / perOp / 1e6;
    return c.metric === 'µs/op' ? perOp * 1e3 : perOp;
  };
  const row = { name: c.name, metric: c.metric, ours: value(best.ours), theirs: value(best.theirs), speedup: best.theirs / best.ours };
  rows.push(row);
  console.log(`${row.name}: ours ${row.ours.toPrecision(3)} ${c.metric}, TF.js ${row.theirs.toPrecision(3)} ${c.metric}, speed-up ${row.speedup.toFixed(2)}×`);
}

console.log(`\nload average after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| case | unit | webgpu-cl | TF.js | ours / TF.js | speed-up (TF.js time / ours) |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.metric} | ${r.ours.toPrecision(3)} | ${r.theirs.toPrecision(3)} | ${(r.ours / r.theirs).toFixed(2)} | ${r.speedup.toFixed(2)}× |`);
}
device.destroy();
void peer.keepAlive;
