/**
 * The page: checks for WebGPU (a browser without it gets a message saying what to do), builds the
 * form from the registries, and runs one experiment at a time (run.ts) with live figures
 * (live-view.ts), the finished run's figure from cl.plots, and the result and checkpoint downloads.
 */
import * as wc from 'webgpu-cl';
import { pageData, type FileProgress } from './data.js';
import { ConfigForm } from './form.js';
import { liveCurves, liveHeatmap, liveProtection, type LiveState } from './live-view.js';
import { PageRun } from './run.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const NO_WEBGPU = `<h2>This browser has no WebGPU</h2>
<p>webgpu-cl trains on the GPU through WebGPU, and <code>navigator.gpu</code> is missing here. What to do:</p>
<ul>
  <li>Use a browser with WebGPU: Chrome or Edge 113 or later (Windows, macOS, ChromeOS, Android), Safari 26, or Firefox 141 or later on Windows.</li>
  <li>On Linux, Chrome needs <code>chrome://flags/#enable-unsafe-webgpu</code> turned on (and, without a GPU, <code>--enable-unsafe-webgpu</code> gives a software adapter).</li>
  <li>Open the page over <code>https://</code> or <code>http://localhost</code>: WebGPU exists only in secure contexts.</li>
  <li>Or run the same experiments in Node: <code>npx webgpu-cl run split-mnist --method ewc</code>.</li>
</ul>`;

function showError(e: unknown): void {
  const el = $<HTMLParagraphElement>('error');
  el.textContent = e instanceof Error ? e.message : String(e);
  el.hidden = false;
}

function download(name: string, data: BlobPart, type: string): void {
  const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(new Blob([data], { type })), download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function metricsLine(s: LiveState): string {
  // ACC, BWT and forgetting over the experiences trained so far (the leading square of the matrix).
  const k = s.matrix.length;
  if (!k || s.trained.length !== s.experiences.length) return k ? `ACC ${(100 * wc.cl.metricsOf(s.matrix, []).acc).toFixed(1)} %` : '';
  const m = wc.cl.summarize(s.matrix.map((r) => r.slice(0, k)));
  const pts = (v: number) => (k < 2 ? '–' : `${(100 * v).toFixed(1)} pts`);
  return `After ${k} of ${s.trained.length} experiences: ACC ${(100 * m.acc).toFixed(1)} %, BWT ${pts(m.bwt)}, forgetting ${pts(m.forgetting)}`;
}

async function main(): Promise<void> {
  if (!('gpu' in navigator)) {
    $('no-webgpu').innerHTML = NO_WEBGPU;
    $('no-webgpu').hidden = false;
    return;
  }
  try {
    await wc.initDevice();
  } catch (e) {
    $('no-webgpu').innerHTML = `${NO_WEBGPU}<p>The browser has WebGPU but gave no device: ${(e as Error).message}</p>`;
    $('no-webgpu').hidden = false;
    return;
  }
  $('app').hidden = false;
  const form = new ConfigForm($<HTMLFormElement>('config'));
  const params = Object.fromEntries(new URLSearchParams(location.search));
  try { form.set(params); } catch (e) { showError(e); }

  const data = pageData(location.href, (p: FileProgress) => {
    const cls = Number(/(\d+)\.bin$/.exec(p.url)?.[1] ?? 0);
    $('loading').hidden = false;
    $('loading-text').textContent = `Loading ${p.url.includes('/fashion/') ? 'Fashion-MNIST' : 'MNIST'}: class ${cls + 1} of 10, ${(p.loaded / 1e6).toFixed(1)} MB`;
    $<HTMLProgressElement>('loading-bar').value = (cls + (p.total ? p.loaded / p.total : 0)) / 10;
  });
  const buttons = { start: $<HTMLButtonElement>('start'), pause: $<HTMLButtonElement>('pause'), stop: $<HTMLButtonElement>('stop') };
  const downloads = { result: $<HTMLButtonElement>('download-result'), checkpoint: $<HTMLButtonElement>('download-checkpoint') };
  let run: PageRun | null = null;
  let result: wc.cl.StrategyResult | null = null;

  const draw = (s: LiveState) => {
    $('curves').innerHTML = liveCurves(s);
    $('heatmap').innerHTML = liveHeatmap(s);
    $('protection').innerHTML = liveProtection(s);
    $('metrics').textContent = metricsLine(s);
  };

  async function start(config: wc.cl.ExperimentConfig, settings: { liveEvery: number; draw: boolean }, resume?: ArrayBuffer): Promise<void> {
    $('error').hidden = true;
    $('final').hidden = true;
    result = null;
    downloads.result.disabled = true;
    const r = run = new PageRun(config, { status: (t) => { $('loading').hidden = true; $('state').textContent = t; }, live: draw }, settings);
    buttons.start.disabled = true;
    buttons.pause.disabled = buttons.stop.disabled = false;
    $('state').textContent = 'Loading the data and building the model…';
    try {
      result = await r.run(data, resume);
      draw(r.state);
      $('final-plot').innerHTML = wc.cl.plots.plotResult(result);
      $('final').hidden = false;
      $('state').textContent = `Done: ${r.steps} steps in ${(r.trainMs / 1000).toFixed(1)} s, ${(r.steps / (r.trainMs / 1000)).toFixed(1)} steps/s (drawing ${(r.drawMs / 1000).toFixed(2)} s, ${((100 * r.drawMs) / r.trainMs).toFixed(1)} % of it).`;
      document.body.dataset.run = 'done';
    } catch (e) {
      if ((e as Error).name === 'AbortError') $('state').textContent = `Stopped after ${r.steps} steps${r.checkpoint ? '; the checkpoint holds every finished experience' : ''}.`;
      else showError(e);
      document.body.dataset.run = (e as Error).name === 'AbortError' ? 'stopped' : 'failed';
    } finally {
      buttons.start.disabled = false;
      buttons.pause.disabled = buttons.stop.disabled = true;
      buttons.pause.textContent = 'Pause';
      downloads.result.disabled = result === null;
      downloads.checkpoint.disabled = r.checkpoint === null;
    }
  }

  buttons.start.addEventListener('click', () => {
    try {
      const { config, settings } = form.read();
      void start(config, settings);
    } catch (e) { showError(e); }
  });
  buttons.pause.addEventListener('click', () => {
    if (!run) return;
    if (run.paused) { run.resume(); buttons.pause.textContent = 'Pause'; } else { run.pause(); buttons.pause.textContent = 'Resume'; }
  });
  buttons.stop.addEventListener('click', () => run?.stop());
  downloads.result.addEventListener('click', () => {
    if (result) download(`${result.scenario}-${result.method}.json`, `${JSON.stringify(result, null, 2)}\n`, 'application/json');
  });
  downloads.checkpoint.addEventListener('click', () => {
    if (run?.checkpoint) download(`${run.config.scenario}-${run.config.method}-seed${run.config.seed}.ckpt`, run.checkpoint, 'application/octet-stream');
  });
  $<HTMLInputElement>('load-checkpoint').addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const buffer = await file.arrayBuffer();
      // The checkpoint records the configuration it was made with: the run resumes with exactly that one.
      const saved = (wc.nn.io.decode(buffer).meta as { config?: Record<string, unknown> } | null)?.config;
      if (!saved || typeof saved.scenario !== 'string' || typeof saved.method !== 'string') throw new TypeError(`${file.name} is not a checkpoint of an app or CLI run (its configuration names no scenario and method)`);
      const keys = ['scenario', 'method', 'seed', 'model', 'epochs', 'batch', 'optimizer', 'lr', 'momentum', 'clip', 'evalEvery', 'scenarioOptions', 'methodOptions'] as const;
      const config = Object.fromEntries(keys.map((k) => [k, saved[k]])) as unknown as wc.cl.ExperimentConfig;
      form.set(ConfigForm.fieldsOf(saved));
      await start(config, form.read().settings, buffer);
    } catch (e) { showError(e); }
  });
}

main().catch(showError);
