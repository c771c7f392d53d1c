/**
 * Input files are checked before the run starts, as output paths are (output-path.ts): a mistyped
 * --resume fails in a second, not after the device has opened and the data has loaded.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';

/** Throws `--<option>: cannot read <path>: <why>` unless `path` is a readable file. */
export async function checkInputPath(option: string, path: string): Promise<void> {
  const fail = (why: string) => new Error(`--${option}: cannot read ${path}: ${why}`);
  const target = await stat(path).catch(() => null);
  if (!target) throw fail('no such file');
  if (target.isDirectory()) throw fail('it is a folder');
  await access(path, constants.R_OK).catch(() => { throw fail('it is not readable'); });
}
