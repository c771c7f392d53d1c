/**
 * A process killed while writing (issue 16). A child `node` process (the built dist/, as users run
 * it) writes numbered versions of a file over and over through the real code paths, and is killed
 * with SIGKILL after a seeded random delay, many times in a row:
 *  - a checkpoint: Strategy.save of a model whose every weight is the version number v (meta: seconds = v);
 *  - the CLI's outputs: writeFileAtomic of the result JSON and of plotResult's SVG (as cli/main.ts writes
 *    --json and --plot), the result's seconds being v.
 * After each kill the file must be whole and be the version the child last reported done or the next
 * one (the write the kill interrupted), never truncated or missing. Temporary files: at most the killed
 * writer's one is left; the next write removes it (none remains at the end). The test also checks
 * that the kills did land inside writes (a temporary file was left) often enough to mean something.
 * Mutation tried: writeFileAtomic writing `path` directly (fs.writeFile) — truncated files, the test fails.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cl, nn, Generator } from '../../index.js';
import { writeFileAtomic } from '../../nn/io/node.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = (file: string) => pathToFileURL(join(root, 'dist', file)).href;
const KILLS = { checkpoint: 14, results: 20 };

/** A 5-experience result (what `webgpu-cl run --json` writes) whose seconds are `v`. */
function result(v: number): cl.StrategyResult {
  const matrix = [0, 1, 2, 3, 4].map((i) => [0, 1, 2, 3, 4].map((j) => (j <= i ? 0.9 - 0.05 * (i - j) : 0.5)));
  const untrained = [0.5, 0.5, 0.5, 0.5, 0.5];
  return {
    scenario: 'split-mnist', method: 'naive', config: { setting: 'task', seed: 0 }, experiences: ['a', 'b', 'c', 'd', 'e'],
    accuracyMatrix: matrix, ...cl.metricsOf(matrix, untrained), curves: matrix.map((row) => row.map((a) => [a])), untrained,
    seconds: v, timings: { train: v, evaluation: 0, plugins: 0 },
  };
}
const resultJson = (v: number) => `${JSON.stringify(result(v), null, 2)}\n`;

/** Child scripts: write version start, start + 1, … to argv's path(s), printing each version once written. */
const WRITERS = {
  checkpoint: `
    import * as wc from ${JSON.stringify(dist('index.js'))};
    const [path, start] = [process.argv[1], Number(process.argv[2])];
    await wc.initDevice();
    const g = new wc.Generator(1);
    const model = new wc.nn.Sequential(new wc.nn.Linear(784, 100, { generator: g }), new wc.nn.ReLU(), new wc.nn.Linear(100, 10, { generator: g }));
    const s = new wc.cl.Strategy({ model, optimizer: (p) => new wc.nn.SGD(p, { lr: 0.1 }), epochs: 1, batchSize: 1, seed: 0 });
    for (let v = start; ; v++) {
      model.loadStateDict(Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, { shape: t.shape, dtype: 'float32', data: new Float32Array(t.size).fill(v) }])));
      s.seconds = v;
      await s.save(path);
      process.stdout.write(v + '\\n');
    }`,
  results: `
    import { writeFileAtomic } from ${JSON.stringify(dist('nn/io/node.js'))};
    import { plotResult } from ${JSON.stringify(dist('cl/plots/index.js'))};
    const [path, start, template] = [process.argv[1], Number(process.argv[2]), JSON.parse(process.argv[3])];
    for (let v = start; ; v++) {
      const r = { ...template, seconds: v, timings: { ...template.timings, train: v } };
      await writeFileAtomic(path + '.json', JSON.stringify(r, null, 2) + '\\n');
      await writeFileAtomic(path + '.svg', plotResult(r));
      process.stdout.write(v + '\\n');
    }`,
};
type Kind = keyof typeof WRITERS;

/**
 * Starts a writer at version `start`; once it has reported its first write, waits `delay()` ms and
 * kills it with SIGKILL. Resolves with the last version it reported written (start − 1 if none).
 */
function writeThenKill(kind: Kind, path: string, start: number, delay: () => number): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', WRITERS[kind], path, String(start), JSON.stringify(result(0))], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b;
      if (!armed) { armed = true; setTimeout(() => child.kill('SIGKILL'), delay()); }
    });
    child.stderr.on('data', (b: Buffer) => { err += b; });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL' || !armed) { fail(new Error(`${kind} writer ended by itself (code ${code}, signal ${signal}) before it was killed:\n${err}`)); return; }
      const versions = out.split('\n').filter(Boolean).map(Number);
      done(versions.length ? versions[versions.length - 1]! : start - 1);
    });
  });
}

/** The version a written file holds, after checking that it is whole and consistent. */
async function versionIn(kind: Kind, path: string): Promise<number> {
  if (kind === 'checkpoint') {
    const decoded = await nn.io.load(path); // a truncated or corrupt file throws here
    const v = (decoded.meta as { seconds: number }).seconds;
    for (const [name, t] of Object.entries(decoded.tensors)) {
      if (name.startsWith('model/')) expect(t.data.every((x) => x === v), `${name} is not all ${v}`).toBe(true);
    }
    return v;
  }
  const json = readFileSync(`${path}.json`, 'utf8');
  const v = (JSON.parse(json) as cl.StrategyResult).seconds;
  expect(json).toBe(resultJson(v));
  // The SVG is written after the JSON: it holds the JSON's version or the one before.
  const svg = readFileSync(`${path}.svg`, 'utf8');
  expect([cl.plots.plotResult(result(v)), cl.plots.plotResult(result(v - 1))], `the SVG (${svg.length} characters) is not version ${v} or ${v - 1} whole`).toContain(svg);
  return v;
}

const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('a writer killed at random moments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'killed-writes-'));
  beforeAll(() => {
    for (const f of ['index.js', 'nn/io/node.js', 'nn/io/write-atomic.js']) {
      const built = join(root, 'dist', f);
      if (!existsSync(built)) throw new Error(`killed-writes test: dist/${f} is missing; run \`npm run build\` first (npm test does)`);
    }
    const src = statSync(join(root, 'nn/io/write-atomic.ts')).mtimeMs;
    if (statSync(join(root, 'dist/nn/io/write-atomic.js')).mtimeMs < src) throw new Error('killed-writes test: dist/ is older than nn/io/write-atomic.ts; run `npm run build` first');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function killRepeatedly(kind: Kind, kills: number, seed: number, maxDelayMs: number) {
    const path = join(dir, kind);
    const delays = new Generator(seed);
    if (kind === 'checkpoint') await writeThenKill(kind, path, 0, () => 0); // version 0 (or later) on disk
    else { await writeFileAtomic(`${path}.json`, resultJson(0)); await writeFileAtomic(`${path}.svg`, cl.plots.plotResult(result(0))); }
    let version = await versionIn(kind, path);
    let interrupted = 0;
    for (let k = 0; k < kills; k++) {
      const reported = await writeThenKill(kind, path, version + 1, () => delays.uniform() * maxDelayMs);
      const onDisk = await versionIn(kind, path);
      expect([reported, reported + 1], `kill ${k}: the file holds version ${onDisk}; the writer had finished version ${reported}`).toContain(onDisk);
      const left = temps(dir).filter((f) => f.startsWith(`.${kind}`));
      expect(left.length, `kill ${k}: temporary files ${left.join(', ')}`).toBeLessThanOrEqual(1);
      if (left.length) interrupted++;
      version = onDisk;
    }
    return interrupted;
  }

  it(`keeps the checkpoint whole (Strategy.save) over ${KILLS.checkpoint} kills, and the CLI's JSON and SVG over ${KILLS.results}`, async () => {
    const [checkpoints, results] = await Promise.all([
      killRepeatedly('checkpoint', KILLS.checkpoint, 1, 60),
      killRepeatedly('results', KILLS.results, 2, 30),
    ]);
    // Some kills landed inside a write (they left a temporary file), so the atomicity was exercised.
    expect(checkpoints + results, `kills inside a write: ${checkpoints} of the checkpoint's, ${results} of the results'`).toBeGreaterThanOrEqual(5);
    // One more write cleans up what the last killed writers left.
    await writeFileAtomic(join(dir, 'checkpoint'), readFileSync(join(dir, 'checkpoint')));
    await writeFileAtomic(join(dir, 'results.json'), resultJson(0));
    await writeFileAtomic(join(dir, 'results.svg'), cl.plots.plotResult(result(0)));
    expect(temps(dir)).toEqual([]);
  });
});
