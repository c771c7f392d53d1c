/**
 * Bad input over the public API (issue 16), table-driven: each case misuses one function as a
 * JavaScript or TypeScript caller could, and must get an error that names the function, the argument,
 * what was expected and what came — and must leave no GPU memory behind: the buffer pool's bytes in
 * use and the live tensors, on every device, are the same before and after the failing call.
 * The tables are in bad-input-cases/, one file per area.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDevice, Tensor, type Device } from '../../index.js';
import { useDevice } from '../helpers/device.js';
import type { BadInputCase } from './bad-input-cases/case.js';
import { engineCases } from './bad-input-cases/engine.js';
import { nnCases } from './bad-input-cases/nn.js';
import { clCases } from './bad-input-cases/cl.js';
import { ioCases } from './bad-input-cases/io.js';
import { cleanUpCli, cliCases } from './bad-input-cases/cli.js';

/** Frees what a case's setup made: anything with dispose(), inside arrays and plain objects too. */
function disposeAll(v: unknown): void {
  if (v instanceof Tensor || (typeof v === 'object' && v !== null && typeof (v as { dispose?: unknown }).dispose === 'function')) {
    (v as { dispose(): void }).dispose();
  } else if (Array.isArray(v)) {
    v.forEach(disposeAll);
  } else if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    Object.values(v).forEach(disposeAll);
  }
}

describe('bad input gets a clear error and leaves no GPU memory behind', () => {
  const device = useDevice();
  let other: Device | undefined;
  beforeAll(async () => { other = await initDevice({ makeCurrent: false }); });
  afterAll(() => other?.destroy());
  const otherDevice = () => other!;

  /** Bytes in use and live tensors of every device, once released buffers are back in the pool. */
  const usage = () => [device(), otherDevice()].map((d) => {
    d.flush();
    const s = d.stats();
    return { bytesInUse: s.bytesInUse, liveTensors: s.liveTensors };
  });

  /** Runs one case: its error must match, and the GPU memory in use must be what it was before the call. */
  async function check(c: BadInputCase): Promise<void> {
    const made = await c.setup?.();
    const before = usage();
    let error: unknown;
    try {
      await c.call(made as never);
    } catch (e) {
      error = e;
    }
    const after = usage();
    disposeAll(made);
    expect(error, 'the call must throw').toBeInstanceOf(Error);
    const message = (error as Error).message;
    for (const pattern of c.expect) expect(message, `the message: ${message}`).toMatch(pattern);
    expect(after, 'GPU memory in use before and after the failing call').toEqual(before);
  }

  const tables: [string, BadInputCase[]][] = [
    ['engine', engineCases(otherDevice)],
    ['nn', nnCases(otherDevice)],
    ['cl', clCases()],
    ['io', ioCases()],
  ];
  // The command line runs in child processes (no GPU memory of this one), all at once.
  const commandLine = cliCases();

  it('has at least 150 cases with distinct names, each checking the function and more of the message', () => {
    const all = [...tables.flatMap(([, cases]) => cases), ...commandLine];
    expect(all.length).toBeGreaterThanOrEqual(150);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
    expect(all.filter((c) => c.expect.length < 2).map((c) => c.name)).toEqual([]);
  });

  for (const [area, cases] of tables) {
    describe(area, () => {
      it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => check(c));
    });
  }
  describe('cli', () => {
    afterAll(cleanUpCli);
    it.concurrent.each(commandLine.map((c) => [c.name, c] as const))('%s', (_, c) => check(c));
  });
});
