/**
 * A page on the library's browser build, as the browser tests open it: rebuilds dist/browser/index.js
 * (esbuild, under a second: never a stale bundle), serves it with test/browser/index.html and the test's
 * own page script on 127.0.0.1, opens it in Debian's headless Chromium and collects page errors.
 * run(script, input) imports the script in the page and calls its run(input).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { serveStatic } from './static-server.js';

const file = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export interface LibraryPage {
  readonly page: Page;
  /** Uncaught page errors and console errors so far. */
  readonly errors: string[];
  /** import('/<script>').run(input) in the page; a failure says what the page reported. */
  run<T>(script: string, input: unknown): Promise<T>;
  close(): Promise<void>;
}

/** `scripts`: the page scripts to serve, as file names beside this file (e.g. 'page.js'). */
export async function openLibraryPage(scripts: readonly string[]): Promise<LibraryPage> {
  execFileSync(process.execPath, [file('../../scripts/build-browser.mjs')], { stdio: 'pipe' });
  const server = await serveStatic({
    '/': file('./index.html'),
    ...Object.fromEntries(scripts.map((s) => [`/${s}`, file(`./${s}`)])),
    '/index.js': file('../../dist/browser/index.js'),
    '/index.js.map': file('../../dist/browser/index.js.map'),
  });
  try {
    const browser = await launchChromium();
    const page = browser.context.pages()[0] ?? await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`); });
    await page.goto(`${server.origin}/`);
    return {
      page, errors,
      run: async <T>(script: string, input: unknown) => (await page.evaluate(`import('/${script}').then((m) => m.run(${JSON.stringify(input)}))`)
        .catch((e: Error) => { throw new Error(`${e.message}\npage errors: ${errors.join('\n') || 'none'}`); })) as T,
      close: async () => { await browser.close(); await server.close(); },
    };
  } catch (e) {
    await server.close();
    throw e;
  }
}
