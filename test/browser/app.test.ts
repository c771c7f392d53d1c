/**
 * The browser app end to end: `npm run build:app` (the library's browser build, the packed datasets, Vite),
 * the static files served on 127.0.0.1, opened in Debian's headless Chromium (WebGPU on SwiftShader without
 * a GPU). A short Split-MNIST run (task-incremental, 200 training images per class, 5 experiences × 2 epochs × 25 steps = 250 steps)
 * is started from the form; the test waits for it to finish, checks that the first task is learnt well above
 * chance (50 % per two-class head) and that the live curves and the heatmap are drawn, and saves a
 * screenshot in test/.app-output/ (git-ignored) for people to look at. A page without WebGPU must explain
 * itself instead of staying blank.
 *
 * Mutations tried: the heatmap drawing only the last row (5 cells, not 25: fails); live evaluations not
 * drawn until the experience ends (the curves do not grow during the first experience: fails); the
 * navigator.gpu check removed (still passes: initDevice then fails and the same notice shows), and with it
 * the notice on initDevice's failure (blank page: fails). The resume test compares the resumed run's
 * matrix with the uninterrupted one's, value for value.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { checkResult } from '../../cl/plots/result-shape.js';
import type { StrategyResult } from '../../cl/strategy/result.js';
import { launchChromium, type Chromium } from './chromium.js';
import { serveFolder, type StaticServer } from './static-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const site = join(root, 'dist-app');
const output = join(root, 'test/.app-output');
const SHORT_RUN = '?scenario=split-mnist&s.setting=task&s.train-per-class=200&s.test-per-class=50&method=naive&epochs=2&batch=16&lr=0.05&live-every=5';

interface Cell { row: number; col: number; value: number }
const heatmapCells = (page: Page) => page.evaluate(() => Array.from(document.querySelectorAll('#heatmap rect.cell'))
  .map((r) => ({ row: Number(r.getAttribute('data-row')), col: Number(r.getAttribute('data-col')), value: Number(r.getAttribute('data-value')) })));

describe('the browser app in Chromium', () => {
  let server: StaticServer | undefined;
  let browser: Chromium | undefined;
  /** The short run's accuracy matrix, as the first test's page drew it. */
  let reference: Cell[] | undefined;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build:app'], { cwd: root, stdio: 'pipe' });
    server = await serveFolder(site);
    browser = await launchChromium();
    await mkdir(output, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(query: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser!.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${server!.origin}/${query}`);
    return { page, errors };
  }

  it('trains Split-MNIST from the form, with live curves and the heatmap drawn', async () => {
    const { page, errors } = await open(SHORT_RUN);
    await page.waitForSelector('#app:not([hidden])', { timeout: 30_000 });
    await page.click('#start');
    // Live: the curves grow during the first experience, before any row of the matrix exists.
    await page.waitForFunction(() => {
      const curve = document.querySelector('#curves polyline.curve');
      return curve !== null && curve.getAttribute('points')!.trim().split(/\s+/).length >= 2 && document.querySelector('#heatmap rect.cell') === null;
    }, undefined, { timeout: 60_000, polling: 50 });
    await page.waitForFunction(() => document.body.dataset.run !== undefined, undefined, { timeout: 90_000, polling: 500 });
    await page.screenshot({ path: join(output, 'app-split-mnist.png'), fullPage: true });
    const state = await page.evaluate(() => ({
      run: document.body.dataset.run,
      status: document.getElementById('state')!.textContent,
      error: document.getElementById('error')!.hidden ? null : document.getElementById('error')!.textContent,
      metrics: document.getElementById('metrics')!.textContent,
      curves: Array.from(document.querySelectorAll('#curves polyline.curve')).map((p) => p.getAttribute('points')!.trim().split(/\s+/).length),
      finalCells: document.querySelectorAll('#final-plot rect.cell').length,
    }));
    console.log(`app: ${state.status} | ${state.metrics}`);
    expect(state.error, 'the page\'s error line').toBeNull();
    expect(state.run).toBe('done');
    expect(errors, 'page errors').toEqual([]);
    // 5 experiences × 5 evaluated experiences, every row filled by the end.
    const cells = reference = await heatmapCells(page);
    expect(cells.length).toBe(25);
    const first = cells.find((c) => c.row === 0 && c.col === 0)!;
    expect(first.value, 'accuracy on classes 0, 1 after training on them (chance: 0.5)').toBeGreaterThan(0.9);
    // One curve per task, each with the untrained point, the live evaluations every 5 steps and each experience's end.
    expect(state.curves.length).toBe(5);
    for (const n of state.curves) expect(n).toBeGreaterThan(5 * 2);
    expect(state.finalCells, 'cl.plots figure of the finished run').toBe(25);

    // The result JSON has the CLI's shape and the matrix the page drew.
    const download = page.waitForEvent('download');
    await page.click('#download-result');
    const file = join(output, 'result.json');
    await (await download).saveAs(file);
    const result = checkResult(JSON.parse(await readFile(file, 'utf8')), file) as StrategyResult;
    expect(result.accuracyMatrix.flat()).toEqual(cells.map((c) => c.value));
    expect(result.config).toMatchObject({ scenario: 'split-mnist', method: 'naive', epochs: 2, batch: 16, lr: 0.05, seed: 0, model: 'mlp' });
    await page.close();
  });

  it('pauses, stops, and resumes from the downloaded checkpoint to the same accuracy matrix', async () => {
    expect(reference, 'the first test\'s run (this one compares with it)').toBeDefined();
    const { page, errors } = await open(SHORT_RUN);
    await page.waitForSelector('#app:not([hidden])', { timeout: 30_000 });
    await page.click('#start');
    await page.waitForFunction(() => document.getElementById('state')!.textContent!.includes('(experience 3/5)'), undefined, { timeout: 60_000, polling: 100 });
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('state')!.textContent!.startsWith('Paused at step'), undefined, { timeout: 10_000, polling: 100 });
    const paused = await page.textContent('#state');
    await page.waitForTimeout(1500);
    expect(await page.textContent('#state'), 'no step while paused').toBe(paused);
    await page.click('#pause'); // now labelled Resume
    await page.waitForFunction(() => !document.getElementById('state')!.textContent!.startsWith('Paused'), undefined, { timeout: 10_000, polling: 100 });
    await page.click('#stop');
    await page.waitForFunction(() => document.body.dataset.run === 'stopped', undefined, { timeout: 30_000, polling: 100 });
    const rows = new Set((await heatmapCells(page)).map((c) => c.row)).size;
    expect(rows, 'experiences finished before the stop').toBeGreaterThanOrEqual(2);
    expect(rows).toBeLessThan(5);

    const download = page.waitForEvent('download');
    await page.click('#download-checkpoint');
    const checkpoint = join(output, 'stopped.ckpt');
    await (await download).saveAs(checkpoint);
    await page.setInputFiles('#load-checkpoint', checkpoint);
    await page.waitForFunction(() => document.body.dataset.run === 'done', undefined, { timeout: 60_000, polling: 200 });
    expect(await page.textContent('#error')).toBe('');
    expect(errors, 'page errors').toEqual([]);
    // Resumed from a checkpoint, the run ends exactly where the uninterrupted one did.
    expect(await heatmapCells(page)).toEqual(reference);
    await page.screenshot({ path: join(output, 'app-resumed.png'), fullPage: true });
    await page.close();
  });

  it('a browser without WebGPU gets a message, not a blank page', async () => {
    const page = await browser!.context.newPage();
    await page.addInitScript(() => { delete (Navigator.prototype as { gpu?: unknown }).gpu; });
    await page.goto(`${server!.origin}/`);
    await page.waitForSelector('#no-webgpu:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#no-webgpu')).toMatch(/This browser has no WebGPU.*Chrome or Edge 113/s);
    expect(await page.isHidden('#app')).toBe(true);
    await page.screenshot({ path: join(output, 'app-no-webgpu.png') });
  });
});
