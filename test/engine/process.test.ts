/**
 * The library in a real Node process (the built dist/index.js, as users run it): the process exits
 * by itself after GPU work without destroy(); Dawn's create() object survives garbage collection
 * while its device lives (if it were collected the process would crash); and the message a user
 * gets on a machine with no Vulkan driver says what to install.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = `${root}dist/index.js`;
const TIMEOUT_MS = 60_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** Runs an ES module script (text) in a fresh `node`; kills it after TIMEOUT_MS. */
function runNode(script: string, opts: { flags?: string[]; env?: Record<string, string> } = {}): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...(opts.flags ?? []), '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b; });
    child.stderr.on('data', (b: Buffer) => { out += b; });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', fail);
    child.on('close', (code, signal) => { clearTimeout(timer); done({ code, signal, out }); });
  });
}

/** The import line every script starts with. */
const IMPORT = `import * as wc from ${JSON.stringify(pathToFileURL(dist).href)};`;

describe('in a separate node process', () => {
  beforeAll(() => {
    // `npm test` builds first; a lone `vitest run` of this file builds if there is nothing to import.
    if (!existsSync(dist)) {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
    }
  });

  it('exits by itself with code 0 after GPU work, without destroy()', async () => {
    const r = await runNode(`${IMPORT}
      await wc.initDevice();
      const x = wc.tensor([1, 2, 3, 4]);
      const y = wc.sum(wc.mul(wc.relu(x), x));
      console.log('result', await y.item());
    `);
    expect(r.signal, `ended by a signal (SIGKILL: no exit within ${TIMEOUT_MS} ms)\n${r.out}`).toBeNull();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('result 30');
  });

  it('survives garbage collection while the device lives (Dawn\'s create() object stays referenced)', async () => {
    // Each round: drop garbage, force full collections (and let finalizers run), then use the device.
    // If the object create() returned were collected, Dawn would crash here (SIGSEGV or futex error).
    const r = await runNode(`${IMPORT}
      const d = await wc.initDevice();
      let total = 0;
      for (let round = 0; round < 20; round++) {
        let junk = Array.from({ length: 20000 }, (_, i) => ({ i, s: 'x'.repeat(i % 64) }));
        junk = null;
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 5));
        globalThis.gc();
        const t = wc.tidy(() => wc.sum(wc.matmul(wc.ones([3, 5]), wc.full([5, 2], round))));
        total += await t.item();
        t.dispose();
      }
      console.log('total', total, 'dispatches', d.stats().dispatches);
    `, { flags: ['--expose-gc'] });
    expect(r.signal, `ended by a signal (SIGSEGV: Dawn crashed; SIGKILL: no exit within ${TIMEOUT_MS} ms)\n${r.out}`).toBeNull();
    expect(r.code, r.out).toBe(0);
    // Σ_round sum(ones[3,5]·full[5,2](round)) = Σ_round 3·2·5·round = 30·(0 + … + 19) = 5700.
    expect(r.out).toContain('total 5700');
  });

  it('with no Vulkan driver, the error says what to install', async () => {
    // An empty driver list makes the Vulkan loader find no driver at all, as on a machine without one.
    const r = await runNode(`${IMPORT}
      try {
        await wc.initDevice({ backend: 'vulkan' });
        console.log('unexpected: got a device');
      } catch (e) {
        console.log(e.name + ': ' + e.message);
      }
    `, { env: { VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' } });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/NoAdapterError: initDevice: no WebGPU adapter \(tried backend vulkan\)/);
    expect(r.out).toMatch(/lavapipe.*sudo bash scripts\/install-software-vulkan\.sh/);
  });
});
