/**
 * Side-by-side timing with tinybench 6. A sample is one call of `run` and then `sync` (waits for the
 * GPU). Sides are timed `rounds` times in rotating order and each keeps its best round's median,
 * so a burst of load from other processes on the machine does not decide a comparison.
 */
import { Bench } from 'tinybench';

/** Median latency (ms) of `fn` over `iterations` samples, after one warm-up sample. */
export async function medianMs(fn, iterations) {
  const bench = new Bench({ iterations, time: 0, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add('case', fn);
  await bench.run();
  return bench.tasks[0].result.latency.p50;
}

/** sides: { name: { run, sync } }; returns { name: best median in ms }. */
export async function bestOfRounds(sides, iterations, rounds) {
  const names = Object.keys(sides);
  const best = Object.fromEntries(names.map((n) => [n, Infinity]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      const { run, sync } = sides[name];
      const ms = await medianMs(async () => { run(); await sync(); }, iterations);
      best[name] = Math.min(best[name], ms);
    }
  }
  return best;
}

/** A case's metric from its time per sample: GFLOP/s, ms per op or µs per op. */
export function metricValue(c, ms) {
  const perOp = ms / c.reps;
  if (c.metric === 'GFLOP/s') return c.flops / perOp / 1e6;
  return c.metric === 'µs/op' ? perOp * 1e3 : perOp;
}

export const loadAverage = (os) => os.loadavg().map((l) => l.toFixed(2)).join(' ');
