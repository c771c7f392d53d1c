/**
 * The checkpoint test every method shares: a run stopped after experience `stopAfter` (its checkpoint saved
 * after every experience) and resumed with Strategy.load must end with the uninterrupted run's accuracy
 * matrix and plugin state, bit for bit. Returns both runs' results and their first plugin's state (host
 * arrays) for further checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cl, type Tensor } from '../../index.js';
import type { Module } from '../../nn/module.js';

export interface ResumeCase {
  scenario: cl.scenarios.Scenario;
  /** A fresh model and plugins, built the same way each call. */
  make: () => { model: Module; plugins: cl.StrategyPlugin[] };
  optimizer: (params: Tensor[]) => cl.StepOptimizer;
  options: Omit<cl.StrategyOptions, 'model' | 'optimizer' | 'plugins'>;
  stopAfter?: number;
}

/** A plugin's state read back: its JSON record and every tensor as a plain array. */
export async function pluginState(p: cl.StrategyPlugin | undefined): Promise<unknown> {
  if (!p?.state) return null;
  const st = p.state();
  const tensors = await Promise.all(Object.entries(st.tensors).map(async ([k, t]) => [k, Array.from(await t.data())] as const));
  return { record: st.record, tensors: Object.fromEntries(tensors) };
}

export async function expectResumeMatches(c: ResumeCase): Promise<{ full: cl.StrategyResult; resumed: cl.StrategyResult; state: unknown }> {
  const stopAfter = c.stopAfter ?? 2;
  const dir = mkdtempSync(join(tmpdir(), 'resume-'));
  const path = join(dir, 'run.ckpt');
  const run = async (resume: boolean, signal?: AbortController) => {
    const { model, plugins } = c.make();
    const s = resume
      ? await cl.Strategy.load(path, { model, optimizer: c.optimizer, plugins, loss: c.options.loss, score: c.options.score })
      : new cl.Strategy({ ...c.options, model, optimizer: c.optimizer, plugins });
    try {
      if (resume) expect(s.completed).toBe(stopAfter);
      const afterExperience = async (x: cl.Strategy) => { await x.save(path); if (x.completed === stopAfter) signal?.abort(); };
      const result = await s.run(c.scenario, signal ? { afterExperience, signal: signal.signal } : {});
      return { result, state: await pluginState(plugins[0]) };
    } finally {
      s.dispose();
      model.dispose();
    }
  };
  try {
    const whole = await run(false);
    await expect(run(false, new AbortController())).rejects.toThrow(/aborted/);
    const resumed = await run(true);
    expect(resumed.result.accuracyMatrix).toEqual(whole.result.accuracyMatrix); // bit for bit
    expect(resumed.result.untrained).toEqual(whole.result.untrained);
    expect(resumed.result.reports).toEqual(whole.result.reports);
    expect(resumed.state).toEqual(whole.state);
    return { full: whole.result, resumed: resumed.result, state: whole.state };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
