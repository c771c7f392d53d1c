/**
 * Launches Debian's Chromium (never a downloaded browser) headless with WebGPU enabled, in a fresh
 * profile directory. On a machine without a GPU the page gets SwiftShader's WebGPU adapter
 * (see WEBGPU-NOTES.md for the flags and what they give).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const FLAGS = [
  '--headless=new', '--enable-unsafe-webgpu', '--no-sandbox', '--disable-gpu-sandbox',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-quic',
];

export interface Chromium {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: the browser smoke test needs Debian's Chromium. ` +
      'Run `bash scripts/install-software-vulkan.sh` (as root, or with sudo), which installs it.');
  }
  const profile = await mkdtemp(join(tmpdir(), 'webgpu-cl-chromium-'));
  try {
    // launchPersistentContext passes `--user-data-dir=<profile>` itself (Playwright refuses it in args).
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: FLAGS,
    });
    return {
      context,
      close: async () => {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
}
