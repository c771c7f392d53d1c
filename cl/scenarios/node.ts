/**
 * Node-only: reads the IDX files of fromIdx() from a folder, gunzipping `.gz` ones.
 * The browser build replaces this file with browser-only.ts.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * The bytes of `dir/name`, or of `dir/name.gz` gunzipped when only that exists; `file` is the path
 * that was read (for error messages).
 */
export async function readIdxFile(dir: string, name: string, op: string): Promise<{ bytes: Uint8Array; file: string }> {
  const plain = join(dir, name);
  const gz = `${plain}.gz`;
  const exists = (p: string) => access(p).then(() => true, () => false);
  const file = (await exists(plain)) ? plain : (await exists(gz)) ? gz : null;
  if (file === null) throw new Error(`${op}: ${plain} not found (nor ${gz})`);
  const raw = new Uint8Array(await readFile(file));
  // A gzip stream starts with 1f 8b, whatever the file is called.
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return { bytes: raw, file };
  try {
    return { bytes: new Uint8Array(gunzipSync(raw)), file };
  } catch (e) {
    throw new Error(`${op}: ${file} is not a valid gzip file: ${(e as Error).message}`);
  }
}
