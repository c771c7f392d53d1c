/**
 * What drawing costs the training: the same run in the built app (dist-app/, `npm run build:app` first)
 * with the live figures drawn and not drawn, alternating, in one Chromium page (after a warm-up run that
 * compiles the pipelines). Steps per second are the page's own (run.ts: drawing counts, pauses and live
 * evaluations do not), so the difference is the cost of drawing, layout and paint included.
 *
 * Usage: tsx app/measure-drawing.ts [rounds (default 2)] [query (default below)]
 */
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/browser/chromium.js';
import { serveFolder } from '../test/browser/static-server.js';

const site = fileURLToPath(new URL('../dist-app', import.meta.url));
const rounds = Number(process.argv[2] ?? 2);
const query = process.argv[3] ?? '?scenario=split-mnist&s.setting=task&method=naive&epochs=1&batch=16&lr=0.05&live-every=25';

const server = await serveFolder(site);
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.origin}/${query}`);
  await page.waitForSelector('#app:not([hidden])');
  const run = async (draw: boolean) => {
    await page.setChecked('#f-draw', draw);
    await page.evaluate(() => { delete document.body.dataset.run; });
    await page.click('#start');
    await page.waitForFunction(() => document.body.dataset.run !== undefined, undefined, { timeout: 600_000, polling: 500 });
    const text = (await page.textContent('#state'))!;
    const rate = /([\d.]+) steps\/s/.exec(text);
    if (!rate) throw new Error(`the run did not finish: ${text} ${await page.textContent('#error')}`);
    return { rate: Number(rate[1]), text };
  };
  console.log(`warm-up: ${(await run(true)).text}`);
  const rates: Record<string, number[]> = { drawn: [], 'not drawn': [] };
  for (let r = 0; r < rounds; r++) {
    for (const draw of [true, false]) {
      const { rate, text } = await run(draw);
      rates[draw ? 'drawn' : 'not drawn']!.push(rate);
      console.log(`${draw ? 'drawn    ' : 'not drawn'}: ${text}`);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const on = mean(rates.drawn!), off = mean(rates['not drawn']!);
  console.log(`mean steps/s: drawn ${on.toFixed(2)}, not drawn ${off.toFixed(2)}: drawing costs ${(100 * (1 - on / off)).toFixed(1)} %`);
} finally {
  await browser.close();
  await server.close();
}
